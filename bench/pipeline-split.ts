// Diagnostic: where the aggregator's ingest time goes. Drives the real IngestPipeline in-process with a
// real AggregatorStore (temp SQLite file, the service's pragmas) over benchmark 1's traffic, no NATS, and
// times each stage by wrapping the store's and state's methods from the outside (src is not changed).
//
//   bun bench/pipeline-split.ts [--messages 1000000] [--smoke] [--synchronous NORMAL] [--untimed]
//   env: BENCH_MESSAGES, BENCH_SMOKE=1, BENCH_SYNCHRONOUS, BENCH_UNTIMED=1
//
// --untimed leaves the stages unwrapped and reports only the whole: the pipeline's own cost, which bench 1
// sets beside its ceiling (the wrappers would add 0.1-0.2 µs per call to it).
//
// --synchronous overrides PRAGMA synchronous on the store's connection after it opens (an experiment:
// the service itself uses FULL).
import { join } from "node:path";
import { rmSync } from "node:fs";
import { BatchBuilder } from "../src/core/batch.ts";
import { IngestMetrics } from "../src/core/ingest-metrics.ts";
import { NetworkState } from "../src/core/network-state.ts";
import { AggregatorStore } from "../src/storage/aggregator-store.ts";
import { tempDir } from "../test/helpers/aggregator-process.ts";
import { hasFlag, intArg, strArg } from "./lib/args.ts";
import { log, report, type Figure } from "./lib/result.ts";
import { ID_ORDER, SUBJECTS, buildTraffic } from "./lib/traffic.ts";
import { makePipeline } from "./lib/wiring.ts";

const messages = intArg("messages", 1_000_000, 20_000);
const synchronous = strArg("synchronous");
const untimed = hasFlag("untimed");

log(`pipeline split: building ${messages.toLocaleString()} messages`);
const traffic = buildTraffic(messages);
const n = traffic.payloads.length;
const subjects = Array.from(traffic.subjectIdx, (i) => SUBJECTS[i]!);

// Warm-up: the same code over a prefix of the traffic into a throw-away database, so the JIT has
// compiled decode, batch and commit before the measured run.
{
  const warmDir = tempDir("agg-split-warm-");
  const warmStore = await AggregatorStore.open(join(warmDir, "agg.db"));
  if (synchronous) warmStore.db.exec(`PRAGMA synchronous = ${synchronous}`);
  const warmState = new NetworkState(warmStore.restore(Date.now()));
  const warm = makePipeline(warmStore, warmState, new IngestMetrics());
  const now = Date.now();
  for (let i = 0; i < Math.min(n, 100_000); i++) warm.accept(subjects[i]!, traffic.payloads[i]!, now + (i >> 6));
  warm.close();
  warmStore.close();
  rmSync(warmDir, { recursive: true, force: true });
}

const dir = tempDir("agg-split-");
const dbPath = join(dir, "agg.db");
const store = await AggregatorStore.open(dbPath);
if (synchronous) store.db.exec(`PRAGMA synchronous = ${synchronous}`);
const state = new NetworkState(store.restore(Date.now()));
const metrics = new IngestMetrics();
const pipeline = makePipeline(store, state, metrics);

// ---- instrumentation (bench side) ----
const t: Record<string, number> = {};
const calls: Record<string, number> = {};
/** Replaces `obj[method]` with a timer around it; several methods may add to one label. */
function timeMethod(obj: any, method: string, name: string): void {
  const raw = obj[method];
  t[name] ??= 0;
  calls[name] ??= 0;
  obj[method] = function (this: unknown, ...a: unknown[]) {
    const s = performance.now();
    try {
      return raw.apply(this, a);
    } finally {
      t[name]! += performance.now() - s;
      calls[name]!++;
    }
  };
}
const ROW_WRITES = [
  ["insertTask", "  append new task rows"], ["updateTask", "  update task rows in place"],
  ["insertInvoice", "  append new invoice rows"], ["updateInvoice", "  update invoice rows in place"],
  ["putNode", "  upsert node rows"], ["addCounter", "  counter upserts"],
] as const;
/** Wraps each stage of the store, state, admission and batch builder with a timer, from the outside. */
function instrument(): void {
  timeMethod(store, "task", "lookup task (index probe, SELECT by rowid + row->record)");
  timeMethod(store, "invoice", "lookup invoice (index probe, SELECT by rowid + row->record)");
  timeMethod(store, "commitBatch", "store.commitBatch (whole transaction)");
  for (const [key, label] of ROW_WRITES) timeMethod((store as any).st[key], "run", label);
  for (const [rows, label] of [[store.tasks, "  task key log + index (rowFor, writeLog, committed)"], [store.invoices, "  invoice key log + index"]] as const) {
    for (const m of ["rowFor", "writeLog", "committed"]) timeMethod(rows, m, label);
  }
  timeMethod(store.db, "exec", "  BEGIN/COMMIT (exec; COMMIT syncs the WAL)");
  timeMethod(state, "apply", "NetworkState.apply");
  timeMethod((pipeline as any).admission, "check", "admission.check (limits)");
  timeMethod(BatchBuilder.prototype, "effect", "BatchBuilder.effect");
  timeMethod(BatchBuilder.prototype, "add", "BatchBuilder.add (incl. lookups)");
  timeMethod(pipeline, "flush", "pipeline.flush (batch + commit + apply)");
}
if (!untimed) instrument();

// ---- drive ----
log(`driving ${n.toLocaleString()} messages through IngestPipeline.accept (db ${dbPath}${synchronous ? `, synchronous=${synchronous}` : ""})`);
Bun.gc(true);
const base = Date.now();
const t0 = performance.now();
for (let i = 0; i < n; i++) pipeline.accept(subjects[i]!, traffic.payloads[i]!, base + (i >> 6));
pipeline.flush();
const totalMs = performance.now() - t0;
const m = metrics.total();
if (m.accepted !== n || m.invalid !== 0 || (m.rejected ?? 0) !== 0 || state.counters.total("tasks") !== traffic.expected.tasks) {
  throw new Error(`pipeline accepted ${m.accepted}/${n} (invalid ${m.invalid}, rejected ${m.rejected}), tasks ${state.counters.total("tasks")}/${traffic.expected.tasks}`);
}
store.close();
rmSync(dir, { recursive: true, force: true });

const us = (ms: number) => (ms * 1000) / n;
const whole: Figure[] = [
  { name: "in-process pipeline rate (no NATS)", value: Math.round(n / (totalMs / 1000)), unit: "msgs/s" },
  { name: "total per message", value: us(totalMs), unit: "µs" },
];
const params = { messages: n, synchronous: synchronous ?? "FULL (service default)", ids: ID_ORDER, stages: untimed ? "untimed" : "timed" };
if (untimed) report({ bench: "pipeline-split", params, figures: whole, notes: [`µs are per inbound message (${n.toLocaleString()} messages), no stage timed`] });
else reportStages();

function reportStages(): void {
  const flushMs = t["pipeline.flush (batch + commit + apply)"]!;
  const lookupMs = t["lookup task (index probe, SELECT by rowid + row->record)"]! + t["lookup invoice (index probe, SELECT by rowid + row->record)"]!;
  const addMs = t["BatchBuilder.add (incl. lookups)"]!;
  const figures: Figure[] = [
    ...whole,
    { name: "accept outside flush (decode + limits + queue + metrics)", value: us(totalMs - flushMs), unit: "µs" },
    { name: "  of which admission.check (limits)", value: us(t["admission.check (limits)"]!), unit: "µs" },
    { name: "pipeline.flush (batch + commit + apply)", value: us(flushMs), unit: "µs" },
    { name: "  BatchBuilder.add, excluding lookups", value: us(addMs - lookupMs), unit: "µs" },
    { name: "  SQLite lookups (task + invoice)", value: us(lookupMs), unit: "µs" },
    { name: "  BatchBuilder.effect", value: us(t["BatchBuilder.effect"]!), unit: "µs" },
    { name: "  store.commitBatch (whole transaction: lookups, build, writes)", value: us(t["store.commitBatch (whole transaction)"]!), unit: "µs" },
    ...[...ROW_WRITES.map(([, label]) => label), "  task key log + index (rowFor, writeLog, committed)", "  invoice key log + index", "  BEGIN/COMMIT (exec; COMMIT syncs the WAL)"]
      .map((k) => ({ name: `  ${k}`, value: us(t[k]!), unit: "µs" })),
    { name: "  NetworkState.apply", value: us(t["NetworkState.apply"]!), unit: "µs" },
  ];
  report({
    bench: "pipeline-split",
    params,
    figures,
    notes: [
      `µs are per inbound message (${n.toLocaleString()} messages, ${calls["lookup task (index probe, SELECT by rowid + row->record)"]!.toLocaleString()} task lookups, ${calls["store.commitBatch (whole transaction)"]} commits, ${(calls["  append new task rows"]! + calls["  update task rows in place"]!).toLocaleString()} task row writes)`,
      "timing wrappers add about 0.1-0.2 µs per wrapped call",
    ],
  });
}
