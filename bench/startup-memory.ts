// Bench 3: startup and memory. Time from process start to /readyz 200 on an empty database and on
// 1M- and 10M-task databases (the dedup index is rebuilt from the key log at each start); RSS at rest
// on each; peak RSS of the aggregator while ingesting bench 1's traffic.
//
//   bun bench/startup-memory.ts [--starts 5] [--tasks 1000000,10000000] [--messages 1000000] [--rest-ms 5000]
//                               [--db-dir DIR] [--smoke]
//   env: BENCH_STARTS, BENCH_TASKS, BENCH_MESSAGES, BENCH_REST_MS, BENCH_DB_DIR, BENCH_SMOKE=1
//
// --db-dir keeps (and reuses) the databases there, under the names bench 2 uses (tasks-N.db).
import { rmSync } from "node:fs";
import { join } from "node:path";
import { AggregatorProcess, tempDir } from "../test/helpers/aggregator-process.ts";
import { freePort } from "../test/helpers/ports.ts";
import { intArg, listArg, strArg } from "./lib/args.ts";
import { buildTaskDb } from "./lib/build-db.ts";
import { Publisher, runAggregator } from "./lib/ingest.ts";
import { startBenchNats, type BenchNats } from "./lib/nats.ts";
import { MB, procMemory } from "./lib/proc.ts";
import { log, median, report, type Figure } from "./lib/result.ts";
import { ID_ORDER, roundMessages } from "./lib/traffic.ts";

const starts = intArg("starts", 5, 2);
const taskSizes = listArg("tasks", [1_000_000, 10_000_000], [20_000]);
const keptDir = strArg("db-dir");
/** The issue's targets by database size: start to ready, RSS at rest. */
const TARGETS: Record<number, { readyMs: number; restMb: number }> = { 1_000_000: { readyMs: 1000, restMb: 150 }, 10_000_000: { readyMs: 5000, restMb: 400 } };
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

  const sized: { tasks: number; label: string; results: StartResult[]; tasksLast24h: number }[] = [];
  for (const tasks of taskSizes) {
    const label = tasks >= 1_000_000 ? `${tasks / 1_000_000}M` : `${tasks / 1000}k`;
    log(`building a ${tasks.toLocaleString()}-task database`);
    const db = await buildTaskDb(join(keptDir ?? dir, `tasks-${tasks}.db`), tasks, { reuse: Boolean(keptDir) });
    sized.push({ tasks, label, results: await series(nats, `${label}-task db`, () => db.path), tasksLast24h: db.tasksLast24h });
  }

  log(`ingesting ${messages.toLocaleString()} messages of bench 1's traffic for peak RSS`);
  publisher = await Publisher.start(nats.url, messages);
  const ingest = await runAggregator(nats, publisher, { restMs });
  log(`  peak RSS ${(ingest.peakRss / MB).toFixed(0)} MB (VmHWM ${(ingest.vmHwm / MB).toFixed(0)} MB), lost ${ingest.lost}`);

  const med = (rs: StartResult[], k: keyof StartResult) => median(rs.map((r) => r[k]));
  const max = (rs: StartResult[], k: keyof StartResult) => Math.max(...rs.map((r) => r[k]));
  const peak = Math.max(ingest.peakRss, ingest.vmHwm);
  const figures: Figure[] = [
    { name: "empty db: start -> /readyz 200, median", value: med(empty, "readyMs"), unit: "ms" },
    { name: "empty db: start -> /readyz 200, max", value: max(empty, "readyMs"), unit: "ms" },
    { name: "empty db: RSS at rest", value: Math.round(med(empty, "restRss") / MB), unit: "MB" },
  ];
  for (const s of sized) {
    const target = TARGETS[s.tasks];
    const ready = med(s.results, "readyMs");
    const rest = med(s.results, "restRss");
    figures.push(
      { name: `${s.label}-task db: start -> /readyz 200, median`, value: ready, unit: "ms", ...(target ? { target: `< ${target.readyMs} ms`, met: ready < target.readyMs } : {}) },
      { name: `${s.label}-task db: start -> /readyz 200, max`, value: max(s.results, "readyMs"), unit: "ms" },
      { name: `${s.label}-task db: RSS at rest`, value: Math.round(rest / MB), unit: "MB", ...(target ? { target: `< ${target.restMb} MB`, met: rest < target.restMb * MB } : {}) },
      { name: `${s.label}-task db: VmHWM after start`, value: Math.round(med(s.results, "restHwm") / MB), unit: "MB" },
    );
  }
  figures.push(
    { name: `peak RSS ingesting ${messages.toLocaleString()} msgs (max of 100 ms samples, VmHWM)`, value: Math.round(peak / MB), unit: "MB", target: "< 200 MB", met: peak < 200 * MB },
    { name: "RSS at rest after that ingest", value: ingest.restRss === null ? null : Math.round(ingest.restRss / MB), unit: "MB" },
    { name: "ingest rate during that run", value: Math.round(ingest.rate), unit: "msgs/s" },
    { name: "ingest lost during that run", value: ingest.lost, unit: "msgs" },
  );
  report({
    bench: "startup-memory",
    params: { starts, tasks: taskSizes, messages, restMs, ids: ID_ORDER },
    figures,
    notes: [
      `ready times (ms): empty ${empty.map((r) => r.readyMs.toFixed(0)).join(", ")}; ${sized.map((s) => `${s.label} ${s.results.map((r) => r.readyMs.toFixed(0)).join(", ")}`).join("; ")}`,
      ...sized.map((s) => `the ${s.label}-task database has ${s.tasksLast24h.toLocaleString()} tasks first seen in the last 24 h (restore reads those), one invoice per 10 tasks and 1,000 nodes`),
      "RSS at rest is VmRSS after the service has been ready and idle for the rest period (PUBLISH_INTERVAL=1000)",
    ],
  });
} finally {
  await publisher?.stop();
  await nats.dispose();
  rmSync(dir, { recursive: true, force: true });
}
