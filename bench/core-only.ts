// Bench 4: core-only cost. Messages/s through decodeMessage (UTF-8 + JSON + zod) + BatchBuilder dedup +
// NetworkState counters, with no NATS and no disk (an in-memory RecordLookup), and each stage alone.
//
//   bun bench/core-only.ts [--messages 1000000] [--runs 3] [--smoke]
//   env: BENCH_MESSAGES, BENCH_RUNS, BENCH_SMOKE=1
import { BatchBuilder } from "../src/core/batch.ts";
import { NetworkState } from "../src/core/network-state.ts";
import { DEFAULT_PIPELINE_OPTIONS } from "../src/service/ingest-pipeline.ts";
import { decodeMessage } from "../src/protocol/decode.ts";
import type { InboundEvent } from "../src/protocol/events.ts";
import { DATA_SCHEMAS, envelopeSchema } from "../src/protocol/schemas.ts";
import { INBOUND_SUBJECTS } from "../src/protocol/subjects.ts";
import { intArg } from "./lib/args.ts";
import { MemoryLookup } from "./lib/memory-lookup.ts";
import { log, median, report, type Figure } from "./lib/result.ts";
import { SUBJECTS, buildTraffic } from "./lib/traffic.ts";

const messages = intArg("messages", 1_000_000, 20_000);
const runs = intArg("runs", 3, 1);
const BATCH = DEFAULT_PIPELINE_OPTIONS.maxBatch;

log(`bench 4: core-only, building ${messages.toLocaleString()} messages`);
const traffic = buildTraffic(messages);
const total = traffic.payloads.length;
/** Messages each stage goes through; lowered for the warm-up run. */
let n = total;
const subjects = Array.from(traffic.subjectIdx, (i) => SUBJECTS[i]!);
const payloads = traffic.payloads;
const base = Date.now();
const atOf = (i: number) => base + (i >> 6);
const utf8 = new TextDecoder("utf-8", { fatal: true });

// Inputs of the stage-alone measurements, made once outside any timing.
const events: InboundEvent[] = new Array(n);
const parsedObjects: any[] = new Array(n);
for (let i = 0; i < n; i++) {
  const r = decodeMessage(subjects[i]!, payloads[i]!, atOf(i));
  if (!r.ok) throw new Error(`message ${i} does not decode: ${r.reason}`);
  events[i] = r.event;
  parsedObjects[i] = JSON.parse(utf8.decode(payloads[i]!));
}

let sink = 0;

function stageJson(): void {
  for (let i = 0; i < n; i++) {
    const o = JSON.parse(utf8.decode(payloads[i]!));
    if (o.type) sink++;
  }
}

function stageUtf8(): void {
  for (let i = 0; i < n; i++) sink += utf8.decode(payloads[i]!).length;
}

function stageZod(): void {
  for (let i = 0; i < n; i++) {
    const env = envelopeSchema.safeParse(parsedObjects[i]);
    if (!env.success) throw new Error("envelope");
    const type = INBOUND_SUBJECTS[subjects[i] as keyof typeof INBOUND_SUBJECTS];
    if (DATA_SCHEMAS[type].safeParse(env.data.data).success) sink++;
  }
}

function stageDecode(): void {
  for (let i = 0; i < n; i++) if (decodeMessage(subjects[i]!, payloads[i]!, atOf(i)).ok) sink++;
}

interface BatchSplit {
  addMs: number;
  effectMs: number;
  commitMs: number;
  applyMs: number;
}

function stageBatch(split?: BatchSplit): void {
  const lookup = new MemoryLookup();
  const state = new NetworkState();
  for (let from = 0; from < n; from += BATCH) {
    const to = Math.min(n, from + BATCH);
    const t0 = performance.now();
    const b = new BatchBuilder(lookup, state.nodes);
    for (let i = from; i < to; i++) b.add(events[i]!);
    const t1 = performance.now();
    const effect = b.effect();
    const t2 = performance.now();
    lookup.commit(effect);
    const t3 = performance.now();
    state.apply(effect);
    const t4 = performance.now();
    if (split) {
      split.addMs += t1 - t0;
      split.effectMs += t2 - t1;
      split.commitMs += t3 - t2;
      split.applyMs += t4 - t3;
    }
  }
  if (n === total && state.counters.total("tasks") !== traffic.expected.tasks) throw new Error(`core counted ${state.counters.total("tasks")} tasks, expected ${traffic.expected.tasks}`);
}

/** The pipeline's work per message without NATS or SQLite: decode, queue, flush every BATCH. */
function stageFull(): void {
  const lookup = new MemoryLookup();
  const state = new NetworkState();
  let queue: InboundEvent[] = [];
  const flush = () => {
    const b = new BatchBuilder(lookup, state.nodes);
    for (const e of queue) b.add(e);
    const effect = b.effect();
    lookup.commit(effect);
    state.apply(effect);
    queue = [];
  };
  for (let i = 0; i < n; i++) {
    const r = decodeMessage(subjects[i]!, payloads[i]!, atOf(i));
    if (!r.ok) continue;
    queue.push(r.event);
    if (queue.length >= BATCH) flush();
  }
  if (queue.length) flush();
  if (n === total && state.counters.total("tasks") !== traffic.expected.tasks) throw new Error("full core: wrong task count");
}

function time(name: string, fn: () => void): number {
  // One untimed pass over a prefix first, so the JIT has compiled the stage before it is timed.
  n = Math.min(total, 100_000);
  fn();
  n = total;
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    Bun.gc(true);
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  const m = median(ms);
  log(`  ${name}: ${ms.map((x) => x.toFixed(0)).join(", ")} ms -> ${Math.round(n / (m / 1000)).toLocaleString()} msgs/s`);
  return m;
}

log(`timing ${runs} run(s) of each stage over ${n.toLocaleString()} messages`);
const utf8Ms = time("utf8 decode only", stageUtf8);
const jsonMs = time("utf8 + JSON.parse only", stageJson);
const zodMs = time("zod envelope + data schema only (pre-parsed objects)", stageZod);
const decodeMs = time("decodeMessage (utf8 + JSON + zod + event objects)", stageDecode);
const batchMs = time("BatchBuilder + in-memory commit + NetworkState.apply", stageBatch);
const fullMs = time("full core (decode + batch + apply)", stageFull);
const split: BatchSplit = { addMs: 0, effectMs: 0, commitMs: 0, applyMs: 0 };
Bun.gc(true);
stageBatch(split);

const us = (ms: number) => (ms * 1000) / n;
const rate = (ms: number) => Math.round(n / (ms / 1000));
const figures: Figure[] = [
  { name: "full core: decode + batch + apply", value: rate(fullMs), unit: "msgs/s" },
  { name: "full core per message", value: us(fullMs), unit: "µs" },
  { name: "decodeMessage alone", value: rate(decodeMs), unit: "msgs/s" },
  { name: "decodeMessage per message", value: us(decodeMs), unit: "µs" },
  { name: "  of which utf8 + JSON.parse (measured alone)", value: us(jsonMs), unit: "µs" },
  { name: "  of which zod + event objects (decode minus utf8/JSON)", value: us(decodeMs) - us(jsonMs), unit: "µs" },
  { name: "  cross-check: zod safeParse alone on pre-parsed objects", value: us(zodMs), unit: "µs" },
  { name: "batch alone (BatchBuilder + Map commit + apply)", value: rate(batchMs), unit: "msgs/s" },
  { name: "batch per message", value: us(batchMs), unit: "µs" },
  { name: "  of which BatchBuilder.add (merge, dedup)", value: us(split.addMs), unit: "µs" },
  { name: "  of which BatchBuilder.effect (counter deltas)", value: us(split.effectMs), unit: "µs" },
  { name: "  of which in-memory commit (Map.set of rows)", value: us(split.commitMs), unit: "µs" },
  { name: "  of which NetworkState.apply", value: us(split.applyMs), unit: "µs" },
  { name: "utf8 decode alone per message", value: us(utf8Ms), unit: "µs" },
];
report({
  bench: "core-only",
  params: { messages: total, runs, batch: BATCH, avgPayloadBytes: Math.round(traffic.bytes / total) },
  figures,
  notes: [`medians of ${runs} run(s); sink ${sink > 0 ? "ok" : "?"}`],
});
