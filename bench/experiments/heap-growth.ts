// Experiment: how fast the JS heap grows while the real pipeline ingests bench 1's traffic in-process, by batch size,
// and what a full collection leaves (is the pile dead batch objects?).
//   bun bench/experiments/heap-growth.ts [--messages 300000] [--batches 5000,1000]
import { rmSync } from "node:fs";
import { join } from "node:path";
import { heapStats } from "bun:jsc";
import { IngestMetrics } from "../../src/core/ingest-metrics.ts";
import { NetworkState } from "../../src/core/network-state.ts";
import { Admission } from "../../src/core/admission.ts";
import { IngestPipeline, DEFAULT_PIPELINE_OPTIONS } from "../../src/service/ingest-pipeline.ts";
import { AggregatorStore } from "../../src/storage/aggregator-store.ts";
import { tempDir } from "../../test/helpers/aggregator-process.ts";
import { intArg, strArg } from "../lib/args.ts";
import { log } from "../lib/result.ts";
import { SUBJECTS, buildTraffic } from "../lib/traffic.ts";
import { DEFAULT_CONFIG, silentLog } from "../lib/wiring.ts";

const messages = intArg("messages", 300_000, 20_000);
const batches = (strArg("batches") ?? "5000,1000").split(",").map(Number);
const traffic = buildTraffic(messages);
const subjects = Array.from(traffic.subjectIdx, (i) => SUBJECTS[i]!);
const MB = 1024 * 1024;

for (const maxBatch of batches) {
  Bun.gc(true);
  const dir = tempDir("agg-heap-");
  const store = await AggregatorStore.open(join(dir, "agg.db"));
  const state = new NetworkState(store.restore(Date.now()));
  const admission = new Admission(DEFAULT_CONFIG.limits, (id) => state.nodes.has(id) || store.node(id) !== undefined);
  const pipeline = new IngestPipeline(store, state, new IngestMetrics(), silentLog, admission, { ...DEFAULT_PIPELINE_OPTIONS, maxBatch });
  let peak = 0;
  let drops = 0;
  let last = process.memoryUsage().heapUsed;
  pipeline.onFlushed = () => {
    const h = process.memoryUsage().heapUsed;
    peak = Math.max(peak, h);
    if (h < last - 4 * MB) drops++; // the runtime's own collection freed a pile
    last = h;
  };
  const now = Date.now();
  const started = performance.now();
  for (let i = 0; i < traffic.payloads.length; i++) pipeline.accept(subjects[i]!, traffic.payloads[i]!, now + (i >> 6));
  pipeline.close();
  const ms = performance.now() - started;
  const before = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  Bun.gc(true);
  const gcMs = performance.now() - t0;
  const after = process.memoryUsage().heapUsed;
  const counts = heapStats().objectTypeCounts as Record<string, number>;
  const top = Object.entries(counts).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ${v}`).join(", ");
  log(`maxBatch ${maxBatch}: ${(ms * 1000 / messages).toFixed(2)} µs/msg, heap peak after a flush ${(peak / MB).toFixed(0)} MB, ${drops} large drops; at the end ${(before / MB).toFixed(0)} MB -> full gc ${gcMs.toFixed(0)} ms -> ${(after / MB).toFixed(0)} MB; live: ${top}`);
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
