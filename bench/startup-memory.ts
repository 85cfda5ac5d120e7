// Bench 3: startup and memory. Time from process start to /readyz 200 on an empty database and on a
// 1M-task database; RSS at rest on both; peak RSS of the aggregator while ingesting bench 1's traffic.
//
//   bun bench/startup-memory.ts [--starts 5] [--tasks 1000000] [--messages 1000000] [--rest-ms 5000] [--smoke]
//   env: BENCH_STARTS, BENCH_TASKS, BENCH_MESSAGES, BENCH_REST_MS, BENCH_SMOKE=1
import { rmSync } from "node:fs";
import { join } from "node:path";
import { AggregatorProcess, tempDir } from "../test/helpers/aggregator-process.ts";
import { freePort } from "../test/helpers/ports.ts";
import { intArg } from "./lib/args.ts";
import { buildTaskDb } from "./lib/build-db.ts";
import { Publisher, runAggregator } from "./lib/ingest.ts";
import { startBenchNats, type BenchNats } from "./lib/nats.ts";
import { MB, procMemory } from "./lib/proc.ts";
import { log, median, report, type Figure } from "./lib/result.ts";
import { ID_ORDER, roundMessages } from "./lib/traffic.ts";

const starts = intArg("starts", 5, 2);
const tasks = intArg("tasks", 1_000_000, 20_000);
const messages = roundMessages(intArg("messages", 1_000_000, 20_000));
const restMs = intArg("rest-ms", 5000, 1500);

interface StartResult {
  readyMs: number;
  restRss: number;
  restHwm: number;
}

/** Starts the service on `dbPath`, times spawn -> first /readyz 200, then lets it rest and reads its memory. */
async function startOnce(nats: BenchNats, dbPath: string): Promise<StartResult> {
  const port = await freePort();
  const t0 = performance.now();
  const svc = await AggregatorProcess.start({
    env: { NATS_URL: nats.url, DB_PATH: dbPath, PUBLISH_INTERVAL: "1000", HTTP_PORT: String(port), INGEST_MODE: "core" },
  });
  let gone = false;
  void svc.exited.then(() => (gone = true));
  try {
    let readyMs = NaN;
    for (;;) {
      if (gone) throw new Error(`aggregator exited before it was ready\n${svc.stderr}\n${svc.stdout}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        await res.arrayBuffer();
        if (res.status === 200) {
          readyMs = performance.now() - t0;
          break;
        }
      } catch {
        // not listening yet
      }
      if (performance.now() - t0 > 60_000) throw new Error("not ready within 60 s");
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, restMs));
    const mem = procMemory(svc.pid!)!;
    return { readyMs, restRss: mem.rss, restHwm: mem.hwm };
  } finally {
    await svc.stop("SIGTERM");
  }
}

async function series(nats: BenchNats, what: string, dbPathFor: (i: number) => string): Promise<StartResult[]> {
  const out: StartResult[] = [];
  for (let i = 0; i < starts; i++) {
    const r = await startOnce(nats, dbPathFor(i));
    log(`  ${what} start ${i + 1}/${starts}: ready in ${r.readyMs.toFixed(0)} ms, RSS at rest ${(r.restRss / MB).toFixed(0)} MB`);
    out.push(r);
  }
  return out;
}

const nats = await startBenchNats();
const dir = tempDir("agg-startup-");
let publisher: Publisher | null = null;
try {
  log(`bench 3: startup and memory (${starts} starts each, ${restMs} ms at rest)`);
  const empty = await series(nats, "empty db", (i) => join(dir, `empty-${i}`, "agg.db"));

  log(`building a ${tasks.toLocaleString()}-task database`);
  const db = await buildTaskDb(join(dir, "big.db"), tasks);
  const big = await series(nats, `${tasks.toLocaleString()}-task db`, () => db.path);

  log(`ingesting ${messages.toLocaleString()} messages of bench 1's traffic for peak RSS`);
  publisher = await Publisher.start(nats.url, messages);
  const ingest = await runAggregator(nats, publisher, { restMs });
  log(`  peak RSS ${(ingest.peakRss / MB).toFixed(0)} MB (VmHWM ${(ingest.vmHwm / MB).toFixed(0)} MB), lost ${ingest.lost}`);

  const med = (rs: StartResult[], k: keyof StartResult) => median(rs.map((r) => r[k]));
  const max = (rs: StartResult[], k: keyof StartResult) => Math.max(...rs.map((r) => r[k]));
  const label = tasks >= 1_000_000 ? `${tasks / 1_000_000}M` : `${tasks / 1000}k`;
  const bigReady = med(big, "readyMs");
  const bigRest = med(big, "restRss");
  const peak = Math.max(ingest.peakRss, ingest.vmHwm);
  const figures: Figure[] = [
    { name: "empty db: start -> /readyz 200, median", value: med(empty, "readyMs"), unit: "ms" },
    { name: "empty db: start -> /readyz 200, max", value: max(empty, "readyMs"), unit: "ms" },
    { name: `${label}-task db: start -> /readyz 200, median`, value: bigReady, unit: "ms", target: "< 1000 ms", met: bigReady < 1000 },
    { name: `${label}-task db: start -> /readyz 200, max`, value: max(big, "readyMs"), unit: "ms" },
    { name: "empty db: RSS at rest", value: Math.round(med(empty, "restRss") / MB), unit: "MB" },
    { name: `${label}-task db: RSS at rest`, value: Math.round(bigRest / MB), unit: "MB", target: "< 150 MB", met: bigRest < 150 * MB },
    { name: `${label}-task db: VmHWM after start`, value: Math.round(med(big, "restHwm") / MB), unit: "MB" },
    { name: `peak RSS ingesting ${messages.toLocaleString()} msgs (max of 100 ms samples, VmHWM)`, value: Math.round(peak / MB), unit: "MB", target: "< 200 MB", met: peak < 200 * MB },
    { name: "RSS at rest after that ingest", value: ingest.restRss === null ? null : Math.round(ingest.restRss / MB), unit: "MB" },
    { name: "ingest rate during that run", value: Math.round(ingest.rate), unit: "msgs/s" },
    { name: "ingest lost during that run", value: ingest.lost, unit: "msgs" },
  ];
  report({
    bench: "startup-memory",
    params: { starts, tasks, messages, restMs, ids: ID_ORDER },
    figures,
    notes: [
      `ready times (ms): empty ${empty.map((r) => r.readyMs.toFixed(0)).join(", ")}; ${label} ${big.map((r) => r.readyMs.toFixed(0)).join(", ")}`,
      `the ${label}-task database has ${db.tasksLast24h.toLocaleString()} tasks first seen in the last 24 h (restore reads those) and 1,000 nodes`,
      "RSS at rest is VmRSS after the service has been ready and idle for the rest period (PUBLISH_INTERVAL=1000)",
    ],
  });
} finally {
  await publisher?.stop();
  await nats.dispose();
  rmSync(dir, { recursive: true, force: true });
}
