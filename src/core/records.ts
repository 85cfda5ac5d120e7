// The stored state of one task, invoice and node, how reports merge into it, and what it counts towards.
import type { HeartbeatEvent, InvoiceCreatedEvent, TaskCompletedEvent, TaskReceivedEvent } from "../protocol/events.ts";
import type { Contribution } from "./counters.ts";

export interface TaskOutcome {
  success: boolean;
  status: string | null;
  cached: boolean;
  executionTimeBucket: string;
  gasUsedBucket: string;
  at: number;
}

export interface TaskRecord {
  taskIdHash: string;
  firstSeen: number;
  firstNodeId: string;
  chainId: string | null;
  taskType: string | null;
  blockNumber: number | null;
  blockHash: string | null;
  taskHash: string | null;
  received: boolean;
  outcome: TaskOutcome | null;
}

export interface InvoiceRecord {
  invoiceIdHash: string;
  firstSeen: number;
  firstNodeId: string;
  taskIdHash: string | null;
  chainId: string | null;
  stepsComputedBucket: string;
  memoryUsedBucket: string;
  operation: string;
}

export type NodeStatus = "online" | "offline";

export interface NodeRecord {
  nodeId: string;
  firstSeen: number;
  lastSeen: number;
  /** null until a heartbeat or join/leave says; an unknown status is not offline. */
  status: NodeStatus | null;
  statusAt: number;
  continent: string | null;
  location: string | null;
  /** Arrival time of the heartbeat that set continent and location; null until a heartbeat. */
  placeAt: number | null;
}

export function taskContributions(t: TaskRecord): Contribution[] {
  const c: Contribution[] = [["total", "tasks"]];
  if (t.chainId !== null) c.push(["chain", t.chainId]);
  if (t.taskType !== null) c.push(["taskType", t.taskType]);
  const o = t.outcome;
  if (o) {
    c.push(["total", o.success ? "completed" : "failed"]);
    if (o.cached) c.push(["total", "cached"]);
    c.push(["executionTime", o.executionTimeBucket], ["gasUsage", o.gasUsedBucket]);
  }
  return c;
}

export function invoiceContributions(i: InvoiceRecord): Contribution[] {
  return [["total", "invoices"], ["stepsComputed", i.stepsComputedBucket], ["memoryUsed", i.memoryUsedBucket]];
}

type TaskEvent = TaskReceivedEvent | TaskCompletedEvent;

/*
 * Merge rules. PROTOCOL.md: "order does not matter". Every rule below is therefore
 * commutative, so any arrival order of the same reports gives the same record:
 * - a fact (chain, task type, block, hash) takes the smallest value reported;
 * - an outcome, an invoice's buckets and the first-seen time come from the earliest
 *   report, ties broken by a fixed order of the values (a failure before a success);
 * - a node's status is the latest one, offline winning a tie;
 * - a node's place is that of its latest heartbeat, whatever other messages say.
 * Repeats are therefore no-ops, and a later receipt only adds what the completion lacked.
 */

/** The smaller of two known values (either may be unknown). */
function least<T extends string | number>(a: T | null, b: T | null | undefined): T | null {
  if (b === null || b === undefined) return a;
  if (a === null) return b;
  return b < a ? b : a;
}

function outcomeKey(o: TaskOutcome): string {
  return `${o.success ? 1 : 0}|${o.cached ? 1 : 0}|${o.executionTimeBucket}|${o.gasUsedBucket}|${o.status ?? ""}`;
}

/** Whether `a` was reported before `b`, by arrival time and then by the fixed order of keys. */
function before(aAt: number, aKey: string, bAt: number, bKey: string): boolean {
  return aAt < bAt || (aAt === bAt && aKey < bKey);
}

export function mergeTask(prev: TaskRecord | undefined, e: TaskEvent): TaskRecord {
  const d = e.data;
  const next: TaskRecord = prev
    ? { ...prev }
    : {
        taskIdHash: d.taskIdHash, firstSeen: e.at, firstNodeId: e.nodeId,
        chainId: null, taskType: null, blockNumber: null, blockHash: null, taskHash: null,
        received: false, outcome: null,
      };
  if (before(e.at, e.nodeId, next.firstSeen, next.firstNodeId)) {
    next.firstSeen = e.at;
    next.firstNodeId = e.nodeId;
  }
  next.chainId = least(next.chainId, d.chainId);
  next.blockNumber = least(next.blockNumber, d.blockNumber);
  next.blockHash = least(next.blockHash, d.blockHash);
  next.taskHash = least(next.taskHash, d.taskHash);
  if (e.type === "task_received") {
    next.received = true;
    next.taskType = least(next.taskType, e.data.taskType);
  } else {
    const c = e.data;
    const reported: TaskOutcome = {
      success: c.success, status: c.status ?? null, cached: c.cached,
      executionTimeBucket: c.executionTimeBucket, gasUsedBucket: c.gasUsedBucket, at: e.at,
    };
    const held = next.outcome;
    if (held === null || before(reported.at, outcomeKey(reported), held.at, outcomeKey(held))) next.outcome = reported;
  }
  return next;
}

function invoiceKey(nodeId: string, i: Pick<InvoiceRecord, "stepsComputedBucket" | "memoryUsedBucket" | "operation">): string {
  return `${nodeId}|${i.stepsComputedBucket}|${i.memoryUsedBucket}|${i.operation}`;
}

export function mergeInvoice(prev: InvoiceRecord | undefined, e: InvoiceCreatedEvent): InvoiceRecord {
  const d = e.data;
  if (!prev) {
    return {
      invoiceIdHash: d.invoiceIdHash, firstSeen: e.at, firstNodeId: e.nodeId,
      taskIdHash: d.taskIdHash ?? null, chainId: d.chainId ?? null,
      stepsComputedBucket: d.stepsComputedBucket, memoryUsedBucket: d.memoryUsedBucket, operation: d.operation,
    };
  }
  const next = { ...prev };
  // The earliest report describes the invoice.
  if (before(e.at, invoiceKey(e.nodeId, d), next.firstSeen, invoiceKey(next.firstNodeId, next))) {
    next.firstSeen = e.at;
    next.firstNodeId = e.nodeId;
    next.stepsComputedBucket = d.stepsComputedBucket;
    next.memoryUsedBucket = d.memoryUsedBucket;
    next.operation = d.operation;
  }
  next.taskIdHash = least(next.taskIdHash, d.taskIdHash);
  next.chainId = least(next.chainId, d.chainId);
  return next;
}

const STATUS_RANK = { online: 1, offline: 2 } as const;

type Place = Pick<HeartbeatEvent["data"], "continentBucket" | "locationBucket">;

/**
 * Orders two places reported by heartbeats of the same millisecond, free of arrival order:
 * the one that says more (continent, location) wins, then the smaller text.
 */
function placeWins(continent: string | null, location: string | null, heldContinent: string | null, heldLocation: string | null): boolean {
  const said = (c: string | null, l: string | null) => (c === null ? 0 : 1) + (l === null ? 0 : 1);
  const a = said(continent, location);
  const b = said(heldContinent, heldLocation);
  if (a !== b) return a > b;
  return `${continent ?? ""}\u0000${location ?? ""}` < `${heldContinent ?? ""}\u0000${heldLocation ?? ""}`;
}

/**
 * Any message proves the node alive at its arrival time. Status follows the latest
 * status-bearing message (offline wins a tie). Place follows the latest heartbeat alone:
 * joins, leaves, tasks and invoices carry no place and so never set, replace or hide it.
 */
export function mergeNode(prev: NodeRecord | undefined, nodeId: string, at: number, status?: NodeStatus, place?: Place): NodeRecord {
  const next: NodeRecord = prev
    ? { ...prev }
    : { nodeId, firstSeen: at, lastSeen: at, status: null, statusAt: 0, continent: null, location: null, placeAt: null };
  if (at < next.firstSeen) next.firstSeen = at;
  if (at > next.lastSeen) next.lastSeen = at;
  if (status !== undefined) {
    const current = next.status === null ? 0 : STATUS_RANK[next.status];
    if (at > next.statusAt || (at === next.statusAt && STATUS_RANK[status] > current)) {
      next.status = status;
      next.statusAt = at;
    }
  }
  if (place !== undefined) {
    const continent = place.continentBucket ?? null;
    const location = place.locationBucket ?? null;
    if (next.placeAt === null || at > next.placeAt ||
      (at === next.placeAt && placeWins(continent, location, next.continent, next.location))) {
      next.continent = continent;
      next.location = location;
      next.placeAt = at;
    }
  }
  return next;
}

export function sameTask(a: TaskRecord, b: TaskRecord): boolean {
  return a.firstSeen === b.firstSeen && a.firstNodeId === b.firstNodeId && a.chainId === b.chainId &&
    a.taskType === b.taskType && a.blockNumber === b.blockNumber && a.blockHash === b.blockHash &&
    a.taskHash === b.taskHash && a.received === b.received && a.outcome === b.outcome;
}

export function sameInvoice(a: InvoiceRecord, b: InvoiceRecord): boolean {
  return a.firstSeen === b.firstSeen && a.firstNodeId === b.firstNodeId && a.taskIdHash === b.taskIdHash && a.chainId === b.chainId &&
    a.stepsComputedBucket === b.stepsComputedBucket && a.memoryUsedBucket === b.memoryUsedBucket && a.operation === b.operation;
}

export function sameNode(a: NodeRecord, b: NodeRecord): boolean {
  return a.firstSeen === b.firstSeen && a.lastSeen === b.lastSeen && a.status === b.status &&
    a.statusAt === b.statusAt && a.continent === b.continent && a.location === b.location && a.placeAt === b.placeAt;
}
