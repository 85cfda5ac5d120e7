// A simulated fleet of TrueBit Monitors: yields the real-format messages they would send, in a realistic order and mix.
import {
  type OutboundMessage, activeTasksBucket, hashFor, heartbeat, invoiceCreated, nodeIdFor, nodeJoined,
  taskCompleted, taskReceived, totalTasksBucket,
} from "./monitor-messages.ts";
import { type Random, seededRandom } from "./seeded-random.ts";

export interface FleetOptions {
  nodes: number;
  seed: number;
  /** Monitors send a heartbeat every 30 s; the demo shortens it so a few minutes look lively. */
  heartbeatIntervalMs?: number;
}

/** Where monitors run: continent and the "lat,lon" bucket (one decimal) their heartbeats carry. */
const PLACES: ReadonlyArray<readonly [continent: string, location: string]> = [
  ["EU", "52.5,13.4"], ["EU", "48.9,2.4"], ["EU", "51.5,-0.1"], ["EU", "40.4,-3.7"], ["EU", "59.3,18.1"],
  ["NA", "40.7,-74.0"], ["NA", "37.8,-122.4"], ["NA", "43.7,-79.4"], ["NA", "41.9,-87.6"],
  ["AS", "35.7,139.7"], ["AS", "1.3,103.8"], ["AS", "37.6,127.0"], ["AS", "19.1,72.9"],
  ["SA", "-23.6,-46.6"], ["SA", "-34.6,-58.4"],
  ["OC", "-33.9,151.2"], ["OC", "-36.8,174.8"],
  ["AF", "6.5,3.4"], ["AF", "-1.3,36.8"], ["AF", "-33.9,18.4"],
];

// Shapes loosely follow a healthy network: most tasks succeed, a fifth are served from cache.
const CHAINS = { "1": 50, "137": 30, "42161": 15, none: 5 } as const;
const TASK_TYPES = { wasm: 60, js: 25, python: 10, unknown: 5 } as const;
const EXECUTION_TIMES = { "<100ms": 10, "100-500ms": 20, "500ms-1s": 20, "1-5s": 30, "5-10s": 10, "10-30s": 6, "30s-1m": 3, ">1m": 1 } as const;
const GAS = { "<100K": 25, "100K-1M": 40, "1M-10M": 25, "10M-100M": 8, ">100M": 2 } as const;
const STEPS = { "<100K": 20, "100K-1M": 40, "1M-10M": 30, "10M-100M": 8, ">100M": 2 } as const;
const MEMORY = { "<64MB": 40, "64-256MB": 40, "256MB-1GB": 15, ">1GB": 5 } as const;
const SUCCESS_RATE = 0.95;
const CACHE_RATE = 0.2;
const INVOICE_RATE = 0.9;
/** Redelivered reports: the aggregator must count them once. */
const REPEAT_RATE = 0.02;
/** Monitors that hide their location still send a continent. */
const NO_LOCATION_RATE = 0.1;

interface SimNode {
  id: string;
  continent: string;
  location: string | null;
  active: number;
  totalTasks: number;
  totalInvoices: number;
  nextHeartbeatAt: number;
}

interface Task {
  index: number;
  node: SimNode;
  taskIdHash: string;
  chainId: string | null;
  blockNumber: number;
  blockHash: string;
  taskHash: string;
}

export class SimulatedFleet {
  readonly nodeIds: readonly string[];
  private readonly rng: Random;
  private readonly nodes: SimNode[];
  private readonly heartbeatIntervalMs: number;
  private readonly tag: string;
  /** Messages that must go out next: start-up announcements, invoices and repeats that follow a completion. */
  private readonly queue: OutboundMessage[] = [];
  private readonly inFlight: Task[] = [];
  private heartbeatCursor = 0;
  private tasksStarted = 0;
  private invoicesCreated = 0;
  private blockNumber = 19_000_000;

  constructor(opts: FleetOptions, now = Date.now()) {
    if (!Number.isInteger(opts.nodes) || opts.nodes < 1) throw new Error(`a fleet needs at least one node (got ${opts.nodes})`);
    this.rng = seededRandom(opts.seed);
    this.heartbeatIntervalMs = opts.heartbeatIntervalMs ?? 30_000;
    // Different seeds give different node ids and hashes, so two runs never collide in one database.
    this.tag = (opts.seed >>> 0).toString(36).padStart(7, "0").slice(-7);
    this.nodes = Array.from({ length: opts.nodes }, (_, i) => {
      const [continent, location] = this.rng.pick(PLACES);
      return {
        id: nodeIdFor(i, opts.seed >>> 0),
        continent,
        location: this.rng.chance(NO_LOCATION_RATE) ? null : location,
        active: 0,
        totalTasks: 0,
        totalInvoices: 0,
        // Spread over one interval, in index order, so heartbeats are due round-robin.
        nextHeartbeatAt: now + Math.floor(((i + 1) / opts.nodes) * this.heartbeatIntervalMs),
      };
    });
    this.nodeIds = this.nodes.map((n) => n.id);
    for (const n of this.nodes) this.queue.push(nodeJoined(n.id), this.heartbeatOf(n));
  }

  /** The next message the fleet sends at time `now`. */
  next(now = Date.now()): OutboundMessage {
    const queued = this.queue.shift();
    if (queued) return queued;
    const due = this.nodes[this.heartbeatCursor]!;
    if (due.nextHeartbeatAt <= now) {
      due.nextHeartbeatAt += this.heartbeatIntervalMs;
      // A fleet that fell far behind (a paused process) catches up with one beat, not a burst.
      if (due.nextHeartbeatAt <= now) due.nextHeartbeatAt = now + this.heartbeatIntervalMs;
      this.heartbeatCursor = (this.heartbeatCursor + 1) % this.nodes.length;
      return this.heartbeatOf(due);
    }
    // Keep about two tasks in flight per node: finish one when busy, start one when idle, else either.
    const busy = this.inFlight.length >= this.nodes.length * 2;
    if (this.inFlight.length > 0 && (busy || this.rng.chance(0.5))) return this.completeOldest();
    return this.startTask();
  }

  private heartbeatOf(n: SimNode): OutboundMessage {
    return heartbeat(n.id, {
      status: "online",
      activeTasks: n.active,
      totalTasks: n.totalTasks,
      totalInvoices: n.totalInvoices,
      activeTasksBucket: activeTasksBucket(n.active),
      totalTasksBucket: totalTasksBucket(n.totalTasks),
      continentBucket: n.continent,
      locationBucket: n.location,
    });
  }

  private startTask(): OutboundMessage {
    const index = this.tasksStarted++;
    const node = this.rng.pick(this.nodes);
    const chain = this.rng.weighted(CHAINS);
    this.blockNumber += this.rng.chance(0.3) ? 1 : 0;
    const task: Task = {
      index,
      node,
      taskIdHash: hashFor(`t${this.tag}`, index),
      chainId: chain === "none" ? null : chain,
      blockNumber: this.blockNumber,
      blockHash: `0x${hashFor(`b${this.tag}`, this.blockNumber)}`,
      taskHash: hashFor(`h${this.tag}`, index),
    };
    node.active++;
    node.totalTasks++;
    this.inFlight.push(task);
    const { node: _node, index: _index, ...fields } = task;
    return taskReceived(node.id, { ...fields, taskType: this.rng.weighted(TASK_TYPES) });
  }

  private completeOldest(): OutboundMessage {
    const task = this.inFlight.shift()!;
    const { node } = task;
    node.active--;
    const success = this.rng.chance(SUCCESS_RATE);
    const cached = success && this.rng.chance(CACHE_RATE);
    const { node: _node, index: _index, ...fields } = task;
    const completion = taskCompleted(node.id, {
      ...fields,
      success,
      cached,
      executionTimeBucket: cached ? "<100ms" : this.rng.weighted(EXECUTION_TIMES),
      gasUsedBucket: this.rng.weighted(GAS),
    });
    if (success && this.rng.chance(INVOICE_RATE)) {
      node.totalInvoices++;
      this.queue.push(invoiceCreated(node.id, {
        invoiceIdHash: hashFor(`i${this.tag}`, this.invoicesCreated++),
        taskIdHash: task.taskIdHash,
        chainId: task.chainId,
        stepsComputedBucket: this.rng.weighted(STEPS),
        memoryUsedBucket: this.rng.weighted(MEMORY),
        operation: "compute",
      }));
    }
    if (this.rng.chance(REPEAT_RATE)) this.queue.push(completion);
    return completion;
  }
}
