// A scripted federation: four monitors, duplicates, out-of-order reports, invalid messages, and its figures worked out by hand.
import {
  type OutboundMessage, hashFor, heartbeat, invoiceCreated, nodeIdFor, nodeLeft, taskCompleted, taskReceived,
} from "../../src/simulation/monitor-messages.ts";
import type { NetworkStats } from "../../src/protocol/stats-message.ts";

export const NODE_A = nodeIdFor(0xa); // EU, heartbeats
export const NODE_B = nodeIdFor(0xb); // NA, heartbeats
export const NODE_C = nodeIdFor(0xc); // EU, then leaves
export const NODE_D = nodeIdFor(0xd); // only task traffic: status never stated, so not offline

const t = (i: number) => hashFor("task", i);
const inv = (i: number) => hashFor("invoice", i);

/** Everything up to the restart point of the restart test. */
export const PHASE_1: OutboundMessage[] = [
  heartbeat(NODE_A, { continentBucket: "EU", locationBucket: "52.5,13.5" }),
  heartbeat(NODE_B, { continentBucket: "NA", locationBucket: "40.7,-74.0" }),
  heartbeat(NODE_C, { continentBucket: "EU", locationBucket: "48.9,2.3" }),
  // t1: received then completed (success)
  taskReceived(NODE_A, { taskIdHash: t(1), chainId: "1", taskType: "wasm" }),
  taskCompleted(NODE_A, { taskIdHash: t(1), chainId: "1", success: true, executionTimeBucket: "1-5s", gasUsedBucket: "<100K" }),
  // t2: completion BEFORE its receipt (success, cached)
  taskCompleted(NODE_B, { taskIdHash: t(2), chainId: "1", success: true, cached: true, executionTimeBucket: "<100ms", gasUsedBucket: "<100K" }),
  // t3: failed
  taskReceived(NODE_B, { taskIdHash: t(3), chainId: "137", taskType: "js" }),
  taskCompleted(NODE_B, { taskIdHash: t(3), chainId: "137", success: false, executionTimeBucket: "5-10s", gasUsedBucket: "1M-10M" }),
  // t4: received, never finished
  taskReceived(NODE_C, { taskIdHash: t(4), chainId: "137", taskType: "wasm" }),
  invoiceCreated(NODE_A, { invoiceIdHash: inv(1), taskIdHash: t(1), chainId: "1", stepsComputedBucket: "1M-10M", memoryUsedBucket: "<64MB" }),
  // invalid: not JSON, wrong type for subject, bad nodeId
  { subject: "truebit.tasks.received", payload: "{oops" },
  { subject: "truebit.tasks.received", payload: heartbeat(NODE_A).payload },
  { subject: "truebit.heartbeat", payload: heartbeat(NODE_A).payload.replace(NODE_A, "node-XYZ") },
];

/** After the restart point: repeats of phase 1, the late receipt of t2, more tasks, C leaving. */
export const PHASE_2: OutboundMessage[] = [
  // repeats change nothing
  taskCompleted(NODE_A, { taskIdHash: t(1), chainId: "1", success: true, executionTimeBucket: "1-5s", gasUsedBucket: "<100K" }),
  taskReceived(NODE_A, { taskIdHash: t(1), chainId: "1", taskType: "wasm" }),
  invoiceCreated(NODE_A, { invoiceIdHash: inv(1), taskIdHash: t(1), chainId: "1", stepsComputedBucket: "1M-10M", memoryUsedBucket: "<64MB" }),
  // t2's receipt arrives late: adds its type, not a second task
  taskReceived(NODE_B, { taskIdHash: t(2), chainId: "1", taskType: "wasm" }),
  // t5: D, no chain, cached success
  taskReceived(NODE_D, { taskIdHash: t(5), taskType: "unknown" }),
  taskCompleted(NODE_D, { taskIdHash: t(5), success: true, cached: true, executionTimeBucket: "1-5s", gasUsedBucket: "100K-1M" }),
  // t7: only a completion (failure), never received: no task type
  taskCompleted(NODE_A, { taskIdHash: t(7), success: false, executionTimeBucket: ">1m", gasUsedBucket: ">100M" }),
  invoiceCreated(NODE_B, { invoiceIdHash: inv(2), stepsComputedBucket: "<100K", memoryUsedBucket: "64-256MB" }),
  invoiceCreated(NODE_D, { invoiceIdHash: inv(3) }),
  nodeLeft(NODE_C),
  // invalid: a task without id, an unknown continent
  taskReceived(NODE_D, { taskIdHash: null, taskType: "wasm" }),
  heartbeat(NODE_B, { continentBucket: "ZZ" }),
];

export const ALL_MESSAGES = [...PHASE_1, ...PHASE_2];

/** The figures, worked out by hand from the script above (not by the code under test). */
export const EXPECTED: NetworkStats = {
  activeNodes: 3, // A, B, D (C left)
  totalNodes: 4,
  totalTasks: 6, // t1 t2 t3 t4 t5 t7
  completedTasks: 3, // t1 t2 t5
  failedTasks: 2, // t3 t7
  cachedTasks: 2, // t2 t5
  tasksLast24h: 6,
  totalInvoices: 3,
  invoicesLast24h: 3,
  successRate: 60,
  cacheHitRate: 40,
  executionTimeDistribution: { "1-5s": 2, "<100ms": 1, "5-10s": 1, ">1m": 1 },
  gasUsageDistribution: { "<100K": 2, "1M-10M": 1, "100K-1M": 1, ">100M": 1 },
  stepsComputedDistribution: { "1M-10M": 1, "<100K": 1, unknown: 1 },
  memoryUsedDistribution: { "<64MB": 1, "64-256MB": 1, unknown: 1 },
  chainDistribution: { "1": 2, "137": 2 },
  taskTypeDistribution: { wasm: 3, js: 1, unknown: 1 },
  continentDistribution: { EU: 1, NA: 1 },
  locationDistribution: { "52.5,13.5": 1, "40.7,-74.0": 1 },
};

export const EXPECTED_INVALID: Record<string, number> = {
  not_json: 1,
  type_mismatch: 1,
  "invalid_envelope:nodeId": 1,
  missing_task_id: 1,
  "invalid_data:continentBucket": 1,
};
export const EXPECTED_DUPLICATES = 3;
