// Benchmark traffic: real-format monitor messages (src/simulation builders) in the mix, pre-encoded.
//
// Blocks of 20 messages: 9 task_received, 9 task_completed (each completing one of the block's own
// receipts, after it), 1 invoice_created, 1 heartbeat; that is 45% / 45% / 5% / 5%. Tasks come from
// 1,000 nodes (task k from node k % 1000), heartbeats cycle over the same 1,000 nodes.
import {
  EXECUTION_TIME_BUCKETS, GAS_USED_BUCKETS, MEMORY_USED_BUCKETS, STEPS_COMPUTED_BUCKETS, CONTINENT_BUCKETS,
} from "../../src/protocol/buckets.ts";
import { createHash } from "node:crypto";
import {
  hashFor, heartbeat, invoiceCreated, nodeIdFor, taskCompleted, taskReceived, type OutboundMessage,
} from "../../src/simulation/monitor-messages.ts";

export const NODES = 1000;
export const BLOCK = 20;
const RECEIPTS_PER_BLOCK = 9;

const CHAINS = ["1", "137", "42161", "10"];
const TASK_TYPES = ["wasm", "js", "unknown"];

export const SUBJECTS = [
  "truebit.tasks.received", "truebit.tasks.completed", "truebit.invoices.created", "truebit.heartbeat",
] as const;

export interface Expected {
  messages: number;
  tasks: number;
  invoices: number;
  nodes: number;
  byType: Record<string, number>;
}

export interface Traffic {
  /** Index into SUBJECTS, per message. */
  subjectIdx: Uint8Array;
  /** Encoded payload per message (views into a few large buffers). */
  payloads: Uint8Array[];
  bytes: number;
  expected: Expected;
}

const taskNode = (k: number) => nodeIdFor(k % NODES);

/**
 * Task and invoice ids as monitors make them: sha256 hex, so they arrive in random key order (what the
 * SQLite B-tree sees in production). BENCH_IDS=sequential uses hashFor()'s increasing ids instead,
 * the best case for the database.
 */
export const ID_ORDER: "random" | "sequential" = process.env.BENCH_IDS === "sequential" ? "sequential" : "random";

export function idFor(namespace: string, i: number): string {
  return ID_ORDER === "sequential" ? hashFor(namespace, i) : createHash("sha256").update(`${namespace}:${i}`).digest("hex");
}

function task(k: number) {
  return {
    taskIdHash: idFor("task", k),
    chainId: CHAINS[k % CHAINS.length]!,
    blockNumber: 19_000_000 + k,
    blockHash: `0x${hashFor("block", k)}`,
    taskHash: hashFor("taskhash", k),
  };
}

/** Message `i` of the stream (deterministic; only its timestamp depends on the clock). */
export function messageAt(i: number): OutboundMessage {
  const b = Math.floor(i / BLOCK);
  const p = i % BLOCK;
  if (p < RECEIPTS_PER_BLOCK) {
    const k = b * RECEIPTS_PER_BLOCK + p;
    return taskReceived(taskNode(k), { ...task(k), taskType: TASK_TYPES[k % TASK_TYPES.length] });
  }
  if (p < 2 * RECEIPTS_PER_BLOCK) {
    const k = b * RECEIPTS_PER_BLOCK + (p - RECEIPTS_PER_BLOCK);
    return taskCompleted(taskNode(k), {
      ...task(k),
      success: k % 10 !== 0,
      cached: k % 5 === 0,
      executionTimeBucket: EXECUTION_TIME_BUCKETS[k % EXECUTION_TIME_BUCKETS.length],
      gasUsedBucket: GAS_USED_BUCKETS[k % GAS_USED_BUCKETS.length],
    });
  }
  if (p === 2 * RECEIPTS_PER_BLOCK) {
    const k = b * RECEIPTS_PER_BLOCK;
    return invoiceCreated(taskNode(k), {
      invoiceIdHash: idFor("invoice", b),
      taskIdHash: idFor("task", k),
      chainId: CHAINS[k % CHAINS.length],
      stepsComputedBucket: STEPS_COMPUTED_BUCKETS[b % STEPS_COMPUTED_BUCKETS.length],
      memoryUsedBucket: MEMORY_USED_BUCKETS[b % MEMORY_USED_BUCKETS.length],
    });
  }
  const n = b % NODES;
  return heartbeat(nodeIdFor(n), {
    continentBucket: CONTINENT_BUCKETS[n % CONTINENT_BUCKETS.length],
    locationBucket: `${((n % 170) - 85).toFixed(1)},${((n % 350) - 175).toFixed(1)}`,
    activeTasks: n % 4, totalTasks: 10 + n, totalInvoices: n,
  });
}

/** Rounds a requested size down to whole blocks (at least one). */
export function roundMessages(n: number): number {
  return Math.max(BLOCK, Math.floor(n / BLOCK) * BLOCK);
}

export function expectedFor(messages: number): Expected {
  const blocks = messages / BLOCK;
  const tasks = blocks * RECEIPTS_PER_BLOCK;
  const nodes = new Set<number>();
  for (let k = 0; k < Math.min(tasks, NODES); k++) nodes.add(k % NODES);
  for (let b = 0; b < Math.min(blocks, NODES); b++) nodes.add(b % NODES);
  return {
    messages, tasks, invoices: blocks, nodes: nodes.size,
    byType: { task_received: tasks, task_completed: tasks, invoice_created: blocks, heartbeat: blocks },
  };
}

const CHUNK = 64 * 1024 * 1024;

/** Builds and encodes `n` messages (rounded to whole blocks) ahead of any timing. */
export function buildTraffic(requested: number): Traffic {
  const n = roundMessages(requested);
  const subjectIdx = new Uint8Array(n);
  const payloads: Uint8Array[] = new Array(n);
  const enc = new TextEncoder();
  let buf = new Uint8Array(CHUNK);
  let off = 0;
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const m = messageAt(i);
    subjectIdx[i] = SUBJECTS.indexOf(m.subject as (typeof SUBJECTS)[number]);
    // Payloads are ASCII JSON, so the byte length is the string length.
    if (off + m.payload.length > buf.length) {
      buf = new Uint8Array(CHUNK);
      off = 0;
    }
    const { written } = enc.encodeInto(m.payload, buf.subarray(off));
    payloads[i] = buf.subarray(off, off + written);
    off += written;
    bytes += written;
  }
  return { subjectIdx, payloads, bytes, expected: expectedFor(n) };
}
