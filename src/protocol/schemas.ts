// Zod schemas of every inbound message, mirroring PROTOCOL.md field by field.
import { z } from "zod";
import {
  ACTIVE_TASKS_BUCKETS, CONTINENT_BUCKETS, EXECUTION_TIME_BUCKETS, GAS_USED_BUCKETS,
  MEMORY_USED_BUCKETS, NODE_STATUSES, STEPS_COMPUTED_BUCKETS, TOTAL_TASKS_BUCKETS,
} from "./buckets.ts";

export const MAX_FREE_TEXT = 256;
export const MAX_VERSION_LENGTH = 16;
export const MAX_TYPE_LENGTH = 32;
export const MAX_TIMESTAMP_LENGTH = 40;
export const MAX_LOCATION_LENGTH = 16;
export const HASH64 = /^[0-9a-fA-F]{64}$/;
export const BLOCK_HASH = /^0x[0-9a-fA-F]{64}$/;
export const NODE_ID = /^node-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The sender timestamp rule, shared by the zod schema and the fast path. */
export function isIsoTimestamp(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s));
}

const hash64 = z.string().regex(HASH64, "must be 64 hex characters");
const freeText = z.string().max(MAX_FREE_TEXT);
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** Optional on the wire means absent or null; both become undefined here. */
function optional<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((v) => v ?? undefined);
}
/** An optional bucket falls back to "unknown", the label senders use themselves. */
function bucketOrUnknown<T extends readonly [string, ...string[]]>(labels: T) {
  return z.enum(labels).nullish().transform((v) => v ?? "unknown");
}

export const nodeIdSchema = z.string().regex(NODE_ID, "must be node- followed by a lowercase UUID");

// ISO-8601 date-time; bounded so a huge string never reaches Date parsing.
const isoTimestamp = z.string().max(MAX_TIMESTAMP_LENGTH).refine(isIsoTimestamp, "must be an ISO-8601 date-time");

export const envelopeSchema = z.object({
  version: z.string().min(1).max(MAX_VERSION_LENGTH),
  type: z.string().max(MAX_TYPE_LENGTH),
  nodeId: nodeIdSchema,
  timestamp: isoTimestamp,
  data: z.record(z.string(), z.unknown()),
});

const taskRef = {
  // null is legal on the wire but cannot be deduplicated: the decoder rejects it with its own reason.
  taskIdHash: hash64.nullish(),
  chainId: optional(freeText),
  blockNumber: optional(count),
  blockHash: optional(z.string().regex(BLOCK_HASH, "must be 0x and 64 hex characters")),
  taskHash: optional(freeText),
};

export const taskReceivedDataSchema = z.object({
  ...taskRef,
  taskType: freeText.nullish().transform((v) => v ?? "unknown"),
});

export const taskCompletedDataSchema = z.object({
  ...taskRef,
  status: optional(freeText),
  success: z.boolean(),
  cached: z.boolean().nullish().transform((v) => v ?? false),
  executionTimeBucket: bucketOrUnknown(EXECUTION_TIME_BUCKETS),
  gasUsedBucket: bucketOrUnknown(GAS_USED_BUCKETS),
});

export const invoiceCreatedDataSchema = z.object({
  invoiceIdHash: hash64,
  taskIdHash: optional(hash64),
  chainId: optional(freeText),
  stepsComputedBucket: bucketOrUnknown(STEPS_COMPUTED_BUCKETS),
  memoryUsedBucket: bucketOrUnknown(MEMORY_USED_BUCKETS),
  operation: freeText.nullish().transform((v) => v ?? "compute"),
});

export const heartbeatDataSchema = z.object({
  status: z.enum(NODE_STATUSES),
  activeTasks: count,
  totalTasks: count,
  totalInvoices: count,
  activeTasksBucket: z.enum(ACTIVE_TASKS_BUCKETS),
  totalTasksBucket: z.enum(TOTAL_TASKS_BUCKETS),
  continentBucket: optional(z.enum(CONTINENT_BUCKETS)),
  locationBucket: optional(z.string().max(MAX_LOCATION_LENGTH).refine(isLocationBucket, "must be \"lat,lon\" with one decimal each, in range")),
});

export const nodeJoinedDataSchema = z.object({ status: z.literal("online").nullish() });
export const nodeLeftDataSchema = z.object({ status: z.literal("offline").nullish() });

export function isLocationBucket(s: string): boolean {
  const m = /^(-?\d{1,2}\.\d),(-?\d{1,3}\.\d)$/.exec(s);
  if (!m) return false;
  const lat = Number(m[1]);
  const lon = Number(m[2]);
  return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180;
}

export const DATA_SCHEMAS = {
  task_received: taskReceivedDataSchema,
  task_completed: taskCompletedDataSchema,
  invoice_created: invoiceCreatedDataSchema,
  heartbeat: heartbeatDataSchema,
  node_joined: nodeJoinedDataSchema,
  node_left: nodeLeftDataSchema,
} as const;

export type TaskReceivedData = z.output<typeof taskReceivedDataSchema>;
export type TaskCompletedData = z.output<typeof taskCompletedDataSchema>;
export type InvoiceCreatedData = z.output<typeof invoiceCreatedDataSchema>;
export type HeartbeatData = z.output<typeof heartbeatDataSchema>;
