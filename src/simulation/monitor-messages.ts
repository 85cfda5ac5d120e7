// Builds real-format monitor messages (PROTOCOL.md) for tests, benchmarks, `simulate` and `demo`.
import type { InboundSubject, InboundType } from "../protocol/subjects.ts";

export interface OutboundMessage {
  subject: InboundSubject;
  payload: string;
}

/** The sender rounds its timestamp down to 5 minutes (privacy); so do we. */
export function roundedTimestamp(ms: number): string {
  return new Date(Math.floor(ms / 300_000) * 300_000).toISOString();
}

function envelope(subject: InboundSubject, type: InboundType, nodeId: string, data: object, at = Date.now()): OutboundMessage {
  return { subject, payload: JSON.stringify({ version: "1.0", type, nodeId, timestamp: roundedTimestamp(at), data }) };
}

/** A deterministic, valid node id for index `i` (node- plus a lowercase UUID). */
export function nodeIdFor(i: number, salt = 0): string {
  const hex = (i >>> 0).toString(16).padStart(8, "0") + (salt >>> 0).toString(16).padStart(4, "0");
  return `node-${hex.slice(0, 8)}-0000-4000-8000-${hex.slice(8).padStart(12, "0")}`;
}

/** A deterministic 64-hex id for index `i` within a namespace (tasks and invoices use different ones). */
export function hashFor(namespace: string, i: number): string {
  const head = Array.from(namespace.padEnd(8, "_").slice(0, 8), (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
  return (head + i.toString(16).padStart(48, "0")).slice(0, 64);
}

export interface TaskFields {
  taskIdHash: string | null;
  chainId?: string | null;
  blockNumber?: number | null;
  blockHash?: string | null;
  taskHash?: string | null;
}

export function taskReceived(nodeId: string, task: TaskFields & { taskType?: string }): OutboundMessage {
  return envelope("truebit.tasks.received", "task_received", nodeId, {
    chainId: null, blockNumber: null, blockHash: null, taskHash: null, taskType: "unknown", ...task,
  });
}

export function taskCompleted(
  nodeId: string,
  task: TaskFields & { success: boolean; cached?: boolean; status?: string; executionTimeBucket?: string; gasUsedBucket?: string },
): OutboundMessage {
  return envelope("truebit.tasks.completed", "task_completed", nodeId, {
    chainId: null, blockNumber: null, blockHash: null, taskHash: null,
    status: task.success ? "completed" : "failed", cached: false, executionTimeBucket: "unknown", gasUsedBucket: "unknown",
    ...task,
  });
}

export function invoiceCreated(
  nodeId: string,
  invoice: { invoiceIdHash: string; taskIdHash?: string | null; chainId?: string | null; stepsComputedBucket?: string; memoryUsedBucket?: string; operation?: string },
): OutboundMessage {
  return envelope("truebit.invoices.created", "invoice_created", nodeId, {
    taskIdHash: null, chainId: null, stepsComputedBucket: "unknown", memoryUsedBucket: "unknown", operation: "compute", ...invoice,
  });
}

export function heartbeat(
  nodeId: string,
  hb: {
    status?: "online" | "offline"; continentBucket?: string | null; locationBucket?: string | null;
    activeTasks?: number; totalTasks?: number; totalInvoices?: number; activeTasksBucket?: string; totalTasksBucket?: string;
  } = {},
): OutboundMessage {
  return envelope("truebit.heartbeat", "heartbeat", nodeId, {
    status: "online", activeTasks: 0, totalTasks: 0, totalInvoices: 0, activeTasksBucket: "0", totalTasksBucket: "0", ...hb,
  });
}

export function nodeJoined(nodeId: string): OutboundMessage {
  return envelope("truebit.nodes.joined", "node_joined", nodeId, { status: "online" });
}

export function nodeLeft(nodeId: string): OutboundMessage {
  return envelope("truebit.nodes.left", "node_left", nodeId, { status: "offline" });
}

/** The heartbeat's activeTasksBucket for a count, as monitors compute it. */
export function activeTasksBucket(n: number): string {
  return n <= 1 ? String(Math.max(0, n)) : n <= 3 ? "2-3" : n <= 5 ? "4-5" : ">5";
}

/** The heartbeat's totalTasksBucket for a count; a boundary value belongs to the lower bucket. */
export function totalTasksBucket(n: number): string {
  if (n <= 0) return "0";
  if (n <= 10) return "1-10";
  if (n <= 50) return "10-50";
  if (n <= 100) return "50-100";
  if (n <= 500) return "100-500";
  return n <= 1000 ? "500-1K" : ">1K";
}
