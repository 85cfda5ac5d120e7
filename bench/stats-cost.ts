// Bench 2: stats cost vs history. Builds databases holding 10k .. 10M stored tasks (bulk SQL into a
// schema made by AggregatorStore.open, with matching lifetime_counters), then opens each with
// AggregatorStore, times store.restore() and buildNetworkStats over the restored NetworkState.
//
//   bun bench/stats-cost.ts [--sizes 10000,100000,1000000,10000000] [--builds 5000] [--restores 7]
//                           [--db-dir DIR] [--keep] [--smoke]
//   env: BENCH_SIZES, BENCH_BUILDS, BENCH_RESTORES, BENCH_DB_DIR, BENCH_KEEP=1, BENCH_SMOKE=1
//
// --db-dir keeps (and reuses) the databases there; otherwise they go to a temp folder that is removed.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { IngestMetrics } from "../src/core/ingest-metrics.ts";
import { NetworkState } from "../src/core/network-state.ts";
import { buildNetworkStats } from "../src/core/network-stats.ts";
import { StatsPublisher } from "../src/service/stats-publisher.ts";
import { AggregatorStore } from "../src/storage/aggregator-store.ts";
import { tempDir } from "../test/helpers/aggregator-process.ts";
import { hasFlag, intArg, listArg, strArg } from "./lib/args.ts";
import { buildTaskDb, type BuiltDb } from "./lib/build-db.ts";
import { log, median, quantile, report, type Figure } from "./lib/result.ts";
import { DEFAULT_CONFIG, makePipeline, silentLog as silent } from "./lib/wiring.ts";

const sizes = listArg("sizes", [10_000, 100_000, 1_000_000, 10_000_000], [1_000, 10_000]);
const builds = intArg("builds", 5000, 200);
const restores = intArg("restores", 7, 2);
const publishes = intArg("publishes", 200, 5);
const keptDir = strArg("db-dir");
const dbDir = keptDir ?? tempDir("agg-stats-");
mkdirSync(dbDir, { recursive: true });
const keep = Boolean(keptDir) || hasFlag("keep");
const ACTIVE_WINDOW_MS = 300_000;

interface SizeResult {
  tasks: number;
  tasksLast24h: number;
  buildDbMs: number;
  openMs: number;
  restoreFirstMs: number;
  restoreMedianMs: number;
  restoreMaxMs: number;
  statsMedianUs: number;
  statsP99Us: number;
  statsMaxUs: number;
  stringifyMedianUs: number;
  publishMedianMs: number;
  publishP99Ms: number;
}

async function measure(db: BuiltDb): Promise<SizeResult> {
  Bun.gc(true);
  const o0 = performance.now();
  const store = await AggregatorStore.open(db.path);
  const openMs = performance.now() - o0;
  try {
    // The build's clock, so the 24-hour window and the active nodes are the same whenever this runs.
    const now = db.now;
    const restoreMs: number[] = [];
    let restored = store.restore(now);
    for (let r = 0; r < restores; r++) {
      const s = performance.now();
      restored = store.restore(now);
      restoreMs.push(performance.now() - s);
    }
    // The first restore above is not in restoreMs; time a fresh connection's first one separately.
    store.close();
    const store2 = await AggregatorStore.open(db.path);
    const f0 = performance.now();
    restored = store2.restore(now);
    const restoreFirstMs = performance.now() - f0;
    const state = new NetworkState(restored);
    if (state.counters.total("tasks") !== db.tasks) throw new Error(`restored ${state.counters.total("tasks")} tasks, expected ${db.tasks}`);

    const opts = { activeWindowMs: ACTIVE_WINDOW_MS, minNodesPerBucket: DEFAULT_CONFIG.limits.minNodesPerBucket };
    for (let i = 0; i < 500; i++) buildNetworkStats(state, now + i, opts);
    const us: number[] = new Array(builds);
    const strUs: number[] = new Array(builds);
    let msg = buildNetworkStats(state, now, opts);
    for (let i = 0; i < builds; i++) {
      const s = performance.now();
      msg = buildNetworkStats(state, now + i, opts);
      const m = performance.now();
      JSON.stringify(msg);
      strUs[i] = (performance.now() - m) * 1000;
      us[i] = (m - s) * 1000;
    }
    if (msg.data.totalTasks !== db.tasks || msg.data.tasksLast24h <= 0 || msg.data.activeNodes !== db.nodes) {
      throw new Error(`unexpected stats: totalTasks ${msg.data.totalTasks}, tasksLast24h ${msg.data.tasksLast24h}, activeNodes ${msg.data.activeNodes}`);
    }

    // The whole publish tick minus the network: flush (empty), build, stringify, history row, prune.
    const pipeline = makePipeline(store2, state, new IngestMetrics());
    const publisher = new StatsPublisher(state, store2, pipeline, new IngestMetrics(), () => true, silent, {
      activeWindowMs: ACTIVE_WINDOW_MS, retentionDays: 30, minNodesPerBucket: DEFAULT_CONFIG.limits.minNodesPerBucket,
    });
    const pubMs: number[] = [];
    for (let i = 0; i < publishes; i++) {
      const s = performance.now();
      publisher.publishNow(now + i);
      pubMs.push(performance.now() - s);
    }
    store2.close();
    return {
      tasks: db.tasks,
      tasksLast24h: db.tasksLast24h,
      buildDbMs: db.buildMs,
      openMs,
      restoreFirstMs,
      restoreMedianMs: median(restoreMs),
      restoreMaxMs: Math.max(...restoreMs),
      statsMedianUs: median(us),
      statsP99Us: quantile(us, 0.99),
      statsMaxUs: Math.max(...us),
      stringifyMedianUs: median(strUs),
      publishMedianMs: median(pubMs),
      publishP99Ms: quantile(pubMs, 0.99),
    };
  } catch (err) {
    try {
      store.close();
    } catch {
      // already closed
    }
    throw err;
  }
}

const results: SizeResult[] = [];
try {
  for (const size of sizes) {
    log(`stats cost: ${size.toLocaleString()} tasks (db folder ${dbDir})`);
    const db = await buildTaskDb(join(dbDir, `tasks-${size}.db`), size, { reuse: Boolean(keptDir) });
    const r = await measure(db);
    log(`  restore median ${r.restoreMedianMs.toFixed(2)} ms; stats median ${r.statsMedianUs.toFixed(1)} µs, p99 ${r.statsP99Us.toFixed(1)} µs`);
    results.push(r);
    if (!keep) for (const f of ["", "-wal", "-shm", ".json"]) rmSync(`${db.path}${f}`, { force: true });
  }
} finally {
  if (!keep) rmSync(dbDir, { recursive: true, force: true });
}

const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));
const at = (n: number) => results.find((r) => r.tasks === n);
const oneM = at(1_000_000);
const tenM = at(10_000_000);
const figures: Figure[] = [];
for (const r of results) {
  const l = label(r.tasks);
  const is1M = r.tasks === 1_000_000;
  const is10M = r.tasks === 10_000_000;
  figures.push(
    {
      name: `${l}: stats build median`, value: r.statsMedianUs, unit: "µs",
      ...(is10M && oneM ? { target: `<= 2x the 1M median (${(2 * oneM.statsMedianUs).toFixed(1)} µs)`, met: r.statsMedianUs <= 2 * oneM.statsMedianUs } : {}),
    },
    {
      name: `${l}: stats build p99`, value: r.statsP99Us, unit: "µs",
      ...(is1M ? { target: "< 5 ms", met: r.statsP99Us < 5000 } : {}),
      ...(is10M ? { target: "< 10 ms", met: r.statsP99Us < 10_000 } : {}),
    },
    { name: `${l}: stats build max`, value: r.statsMaxUs, unit: "µs" },
    { name: `${l}: JSON.stringify of the message, median`, value: r.stringifyMedianUs, unit: "µs" },
    { name: `${l}: store.restore() median (${r.tasksLast24h.toLocaleString()} tasks in last 24 h)`, value: r.restoreMedianMs, unit: "ms" },
    { name: `${l}: store.restore() first on a fresh connection`, value: r.restoreFirstMs, unit: "ms" },
    { name: `${l}: publish tick without NATS (build + history row + prune), median`, value: r.publishMedianMs, unit: "ms" },
    { name: `${l}: publish tick p99`, value: r.publishP99Ms, unit: "ms" },
    { name: `${l}: database build time (bench setup)`, value: r.buildDbMs / 1000, unit: "s" },
  );
}
const notes = [
  `${builds} timed builds per size after 500 warm-up builds; restore is the median of ${restores}; first_seen spread evenly over 29.5 days, 1,000 active nodes, one invoice per 10 tasks`,
];
if (oneM && tenM) {
  notes.push(`10M / 1M: stats build median x${(tenM.statsMedianUs / oneM.statsMedianUs).toFixed(2)}, p99 x${(tenM.statsP99Us / oneM.statsP99Us).toFixed(2)}; restore x${(tenM.restoreMedianMs / oneM.restoreMedianMs).toFixed(2)}`);
}
report({ bench: "stats-cost", params: { sizes, builds, restores, publishes }, figures, notes });
