// Experiment (not part of `bun run bench`): zod safeParse vs hand-written checks of the same PROTOCOL.md
// rules, on the benchmark traffic's four message types (a prototype to size the gain, not a drop-in).
//
//   bun bench/experiments/validator-prototype.ts [--messages 200000]
import {
  ACTIVE_TASKS_BUCKETS, CONTINENT_BUCKETS, EXECUTION_TIME_BUCKETS, GAS_USED_BUCKETS, MEMORY_USED_BUCKETS,
  STEPS_COMPUTED_BUCKETS, TOTAL_TASKS_BUCKETS,
} from "../../src/protocol/buckets.ts";
import { DATA_SCHEMAS, envelopeSchema } from "../../src/protocol/schemas.ts";
import { intArg } from "../lib/args.ts";
import { buildTraffic } from "../lib/traffic.ts";

const tr = buildTraffic(intArg("messages", 200_000, 20_000));
const utf8 = new TextDecoder("utf-8", { fatal: true });
const objs = tr.payloads.map((p) => JSON.parse(utf8.decode(p)));
const TYPES = ["task_received", "task_completed", "invoice_created", "heartbeat"] as const;
const types = Array.from(tr.subjectIdx, (i) => TYPES[i]!);

const HEX64 = /^[0-9a-fA-F]{64}$/;
const BLOCK = /^0x[0-9a-fA-F]{64}$/;
const NODE = /^node-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TS = /^\d{4}-\d{2}-\d{2}T/;
const set = (a: readonly string[]) => new Set(a);
const ET = set(EXECUTION_TIME_BUCKETS), GU = set(GAS_USED_BUCKETS), SC = set(STEPS_COMPUTED_BUCKETS), MU = set(MEMORY_USED_BUCKETS);
const AT = set(ACTIVE_TASKS_BUCKETS), TT = set(TOTAL_TASKS_BUCKETS), CO = set(CONTINENT_BUCKETS);
const text = (v: unknown, max: number) => v == null || (typeof v === "string" && v.length <= max);
const count = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const bucket = (v: unknown, s: Set<string>) => v == null || (typeof v === "string" && s.has(v));
const hash = (v: unknown) => typeof v === "string" && HEX64.test(v);

function envelope(o: any): boolean {
  return typeof o.version === "string" && o.version.length >= 1 && o.version.length <= 16 && typeof o.type === "string" && o.type.length <= 32
    && typeof o.nodeId === "string" && NODE.test(o.nodeId) && typeof o.timestamp === "string" && o.timestamp.length <= 40
    && TS.test(o.timestamp) && !Number.isNaN(Date.parse(o.timestamp)) && typeof o.data === "object" && o.data !== null && !Array.isArray(o.data);
}
function taskRef(d: any): boolean {
  return (d.taskIdHash == null || hash(d.taskIdHash)) && text(d.chainId, 256) && (d.blockNumber == null || count(d.blockNumber))
    && (d.blockHash == null || (typeof d.blockHash === "string" && BLOCK.test(d.blockHash))) && text(d.taskHash, 256);
}
function data(type: (typeof TYPES)[number], d: any): boolean {
  switch (type) {
    case "task_received": return taskRef(d) && text(d.taskType, 256);
    case "task_completed": return taskRef(d) && text(d.status, 256) && typeof d.success === "boolean"
      && (d.cached == null || typeof d.cached === "boolean") && bucket(d.executionTimeBucket, ET) && bucket(d.gasUsedBucket, GU);
    case "invoice_created": return hash(d.invoiceIdHash) && (d.taskIdHash == null || hash(d.taskIdHash)) && text(d.chainId, 256)
      && bucket(d.stepsComputedBucket, SC) && bucket(d.memoryUsedBucket, MU) && text(d.operation, 256);
    case "heartbeat": return (d.status === "online" || d.status === "offline") && count(d.activeTasks) && count(d.totalTasks)
      && count(d.totalInvoices) && AT.has(d.activeTasksBucket) && TT.has(d.totalTasksBucket) && bucket(d.continentBucket, CO) && text(d.locationBucket, 16);
  }
}

const N = objs.length;
function t(name: string, f: () => number): void {
  f();
  const s = performance.now();
  const ok = f();
  console.log(`${name.padEnd(40)} ${(((performance.now() - s) * 1000) / N).toFixed(2)} µs/msg (${ok}/${N} valid)`);
}
t("zod: envelope + data safeParse", () => {
  let ok = 0;
  for (let i = 0; i < N; i++) {
    const e = envelopeSchema.safeParse(objs[i]);
    if (e.success && DATA_SCHEMAS[types[i]!].safeParse(e.data.data).success) ok++;
  }
  return ok;
});
t("hand-written checks of the same rules", () => {
  let ok = 0;
  for (let i = 0; i < N; i++) if (envelope(objs[i]) && data(types[i]!, objs[i].data)) ok++;
  return ok;
});
