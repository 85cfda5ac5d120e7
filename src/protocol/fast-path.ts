// Accepts the common case (a fully valid message) without zod; anything else is left to the zod schemas.
//
// Soundness, not completeness: this returns data only for input the zod schema accepts, and then
// exactly the data zod would return (test/core/fast-path.test.ts checks both by property testing).
// When it returns undefined, decode.ts runs zod, which decides and names the reason.
import {
  ACTIVE_TASKS_BUCKETS, CONTINENT_BUCKETS, EXECUTION_TIME_BUCKETS, GAS_USED_BUCKETS,
  MEMORY_USED_BUCKETS, NODE_STATUSES, STEPS_COMPUTED_BUCKETS, TOTAL_TASKS_BUCKETS,
} from "./buckets.ts";
import {
  BLOCK_HASH, HASH64, MAX_FREE_TEXT, MAX_LOCATION_LENGTH, MAX_TIMESTAMP_LENGTH, MAX_TYPE_LENGTH,
  MAX_VERSION_LENGTH, NODE_ID, isIsoTimestamp, isLocationBucket,
} from "./schemas.ts";
import type { InboundType } from "./subjects.ts";

type Obj = Record<string, unknown>;
/** Marks a field that makes the whole message fall back to zod. */
const NO = Symbol("not on the fast path");
type Checked<T> = T | typeof NO;

const sets = {
  executionTime: new Set<string>(EXECUTION_TIME_BUCKETS),
  gasUsed: new Set<string>(GAS_USED_BUCKETS),
  stepsComputed: new Set<string>(STEPS_COMPUTED_BUCKETS),
  memoryUsed: new Set<string>(MEMORY_USED_BUCKETS),
  activeTasks: new Set<string>(ACTIVE_TASKS_BUCKETS),
  totalTasks: new Set<string>(TOTAL_TASKS_BUCKETS),
  continent: new Set<string>(CONTINENT_BUCKETS),
  status: new Set<string>(NODE_STATUSES),
};

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function text(v: unknown, max: number): v is string {
  return typeof v === "string" && v.length <= max;
}
function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/** Optional on the wire: absent or null become undefined; anything else must pass `ok`. */
function opt<T>(v: unknown, ok: (v: unknown) => v is T): Checked<T | undefined> {
  if (v === undefined || v === null) return undefined;
  return ok(v) ? v : NO;
}
function bucket(v: unknown, allowed: Set<string>): Checked<string> {
  if (v === undefined || v === null) return "unknown";
  return typeof v === "string" && allowed.has(v) ? v : NO;
}
const freeText = (v: unknown): v is string => text(v, MAX_FREE_TEXT);
const hash = (v: unknown): v is string => typeof v === "string" && HASH64.test(v);
const blockHash = (v: unknown): v is string => typeof v === "string" && BLOCK_HASH.test(v);
const bool = (v: unknown): v is boolean => typeof v === "boolean";

export interface FastEnvelope {
  version: string;
  type: string;
  nodeId: string;
  timestamp: string;
  data: Obj;
}

export function fastEnvelope(raw: Obj): FastEnvelope | undefined {
  const { version, type, nodeId, timestamp, data } = raw;
  if (!text(version, MAX_VERSION_LENGTH) || version.length === 0) return undefined;
  if (!text(type, MAX_TYPE_LENGTH)) return undefined;
  if (typeof nodeId !== "string" || !NODE_ID.test(nodeId)) return undefined;
  if (!text(timestamp, MAX_TIMESTAMP_LENGTH) || !isIsoTimestamp(timestamp)) return undefined;
  if (!isObject(data)) return undefined;
  return { version, type, nodeId, timestamp, data };
}

/** Only the keys present in the result are set: zod's output has no key for an absent optional field. */
function assemble(fields: Record<string, unknown>): Obj | undefined {
  const out: Obj = {};
  for (const k in fields) {
    const v = fields[k];
    if (v === NO) return undefined;
    out[k] = v;
  }
  return out;
}

function taskRef(d: Obj): Record<string, unknown> {
  return {
    // A null or missing id is zod's (and decode's) business: not on the fast path.
    taskIdHash: hash(d.taskIdHash) ? d.taskIdHash : NO,
    chainId: opt(d.chainId, freeText),
    blockNumber: opt(d.blockNumber, isCount),
    blockHash: opt(d.blockHash, blockHash),
    taskHash: opt(d.taskHash, freeText),
  };
}

export function fastData(type: InboundType, d: Obj): Obj | undefined {
  switch (type) {
    case "task_received": {
      const taskType = d.taskType === undefined || d.taskType === null ? "unknown" : freeText(d.taskType) ? d.taskType : NO;
      return assemble({ ...taskRef(d), taskType });
    }
    case "task_completed":
      return assemble({
        ...taskRef(d),
        status: opt(d.status, freeText),
        success: bool(d.success) ? d.success : NO,
        cached: d.cached === undefined || d.cached === null ? false : bool(d.cached) ? d.cached : NO,
        executionTimeBucket: bucket(d.executionTimeBucket, sets.executionTime),
        gasUsedBucket: bucket(d.gasUsedBucket, sets.gasUsed),
      });
    case "invoice_created":
      return assemble({
        invoiceIdHash: hash(d.invoiceIdHash) ? d.invoiceIdHash : NO,
        taskIdHash: opt(d.taskIdHash, hash),
        chainId: opt(d.chainId, freeText),
        stepsComputedBucket: bucket(d.stepsComputedBucket, sets.stepsComputed),
        memoryUsedBucket: bucket(d.memoryUsedBucket, sets.memoryUsed),
        operation: d.operation === undefined || d.operation === null ? "compute" : freeText(d.operation) ? d.operation : NO,
      });
    case "heartbeat":
      return assemble({
        status: typeof d.status === "string" && sets.status.has(d.status) ? d.status : NO,
        activeTasks: isCount(d.activeTasks) ? d.activeTasks : NO,
        totalTasks: isCount(d.totalTasks) ? d.totalTasks : NO,
        totalInvoices: isCount(d.totalInvoices) ? d.totalInvoices : NO,
        activeTasksBucket: typeof d.activeTasksBucket === "string" && sets.activeTasks.has(d.activeTasksBucket) ? d.activeTasksBucket : NO,
        totalTasksBucket: typeof d.totalTasksBucket === "string" && sets.totalTasks.has(d.totalTasksBucket) ? d.totalTasksBucket : NO,
        continentBucket: opt(d.continentBucket, (v): v is string => typeof v === "string" && sets.continent.has(v)),
        locationBucket: opt(d.locationBucket, (v): v is string => text(v, MAX_LOCATION_LENGTH) && isLocationBucket(v)),
      });
    case "node_joined":
      return assemble({ status: opt(d.status, (v): v is "online" => v === "online") });
    case "node_left":
      return assemble({ status: opt(d.status, (v): v is "offline" => v === "offline") });
  }
}
