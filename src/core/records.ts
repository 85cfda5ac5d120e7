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

/**
 * Folds one report into a task. Known facts are never overwritten: the first
 * value seen for a field wins and the first completion fixes the outcome, so
 * repeats are no-ops and receipt/completion order does not change the result.
 * The earliest arrival is the first-seen time (a replayed backlog can arrive late).
 */
export function mergeTask(prev: TaskRecord | undefined, e: TaskEvent): TaskRecord {
  const d = e.data;
  const next: TaskRecord = prev
    ? { ...prev }
    : {
        taskIdHash: d.taskIdHash, firstSeen: e.at, firstNodeId: e.nodeId,
        chainId: null, taskType: null, blockNumber: null, blockHash: null, taskHash: null,
        received: false, outcome: null,
      };
  if (e.at < next.firstSeen) {
    next.firstSeen = e.at;
    next.firstNodeId = e.nodeId;
  }
  next.chainId ??= d.chainId ?? null;
  next.blockNumber ??= d.blockNumber ?? null;
  next.blockHash ??= d.blockHash ?? null;
  next.taskHash ??= d.taskHash ?? null;
  if (e.type === "task_received") {
    next.received = true;
    next.taskType ??= e.data.taskType;
  } else if (next.outcome === null) {
    const c = e.data;
    next.outcome = {
      success: c.success, status: c.status ?? null, cached: c.cached,
      executionTimeBucket: c.executionTimeBucket, gasUsedBucket: c.gasUsedBucket, at: e.at,
    };
  }
  return next;
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
  if (e.at < next.firstSeen) {
    next.firstSeen = e.at;
    next.firstNodeId = e.nodeId;
  }
  next.taskIdHash ??= d.taskIdHash ?? null;
  next.chainId ??= d.chainId ?? null;
  return next;
}

/** Any message proves the node alive at its arrival time; status follows the latest status-bearing message. */
export function mergeNode(prev: NodeRecord | undefined, nodeId: string, at: number, status?: NodeStatus, place?: HeartbeatEvent["data"]): NodeRecord {
  const next: NodeRecord = prev
    ? { ...prev }
    : { nodeId, firstSeen: at, lastSeen: at, status: null, statusAt: 0, continent: null, location: null };
  if (at < next.firstSeen) next.firstSeen = at;
  if (at > next.lastSeen) next.lastSeen = at;
  if (status !== undefined && at >= next.statusAt) {
    next.status = status;
    next.statusAt = at;
    if (place) {
      next.continent = place.continentBucket ?? null;
      next.location = place.locationBucket ?? null;
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
  return a.firstSeen === b.firstSeen && a.firstNodeId === b.firstNodeId && a.taskIdHash === b.taskIdHash && a.chainId === b.chainId;
}

export function sameNode(a: NodeRecord, b: NodeRecord): boolean {
  return a.firstSeen === b.firstSeen && a.lastSeen === b.lastSeen && a.status === b.status &&
    a.statusAt === b.statusAt && a.continent === b.continent && a.location === b.location;
}
