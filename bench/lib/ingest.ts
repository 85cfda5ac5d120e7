// The end-to-end ingest measurement shared by bench 1 (rates) and bench 3 (peak RSS): a publisher child
// process replays the traffic into a real nats-server; the subscriber under test is another process.
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { AggregatorProcess, PROJECT_ROOT, tempDir } from "../../test/helpers/aggregator-process.ts";
import { waitFor } from "../../test/helpers/wait.ts";
import { LineChild } from "./child.ts";
import type { BenchNats } from "./nats.ts";
import { CoreLedger, RssSampler, procMemory } from "./proc.ts";
import { log } from "./result.ts";
import { collectionsLine, serviceStatus } from "./service-status.ts";
import type { Expected } from "./traffic.ts";

const HERE = import.meta.dir;

export interface PublisherReady {
  messages: number;
  bytes: number;
  buildMs: number;
  expected: Expected;
  /** Messages per flush window (0: unpaced, the publisher before 2026-12-06). */
  window: number;
}

export interface PublishDone {
  published: number;
  firstAt: number;
  loopDoneAt: number;
  flushedAt: number;
  bytes: number;
}

export class Publisher {
  private constructor(readonly child: LineChild, readonly ready: PublisherReady) {}

  static async start(natsUrl: string, messages: number): Promise<Publisher> {
    const child = new LineChild(join(HERE, "publisher-child.ts"), [natsUrl, String(messages)]);
    const ready = await child.next<PublisherReady>("READY");
    log(`publisher ${child.pid}: ${ready.messages.toLocaleString()} messages pre-built (${(ready.bytes / 1e6).toFixed(0)} MB) in ${(ready.buildMs / 1000).toFixed(1)} s, ${ready.window ? `flushed every ${ready.window.toLocaleString()}` : "unpaced"}`);
    return new Publisher(child, ready);
  }

  /** Starts one full replay; resolves when the publisher has flushed it all to the server. */
  go(): Promise<PublishDone> {
    const done = this.child.next<PublishDone>("DONE");
    this.child.send("GO");
    return done;
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}

export interface CeilingResult {
  published: number;
  received: number;
  lost: number;
  /** First message published to last message received. */
  elapsedMs: number;
  /** First to last message received, in the subscriber. */
  subscriberSpanMs: number;
  rate: number;
  publishMs: number;
  slowConsumers: number;
  disconnects: number;
  /** Where the two cores went from the first publish to the last message received (CoreLedger). */
  cores: string;
}

/** How long no progress means "nothing more is coming" once the publisher is done. */
const STALL_MS = 5000;

export async function runCeiling(nats: BenchNats, publisher: Publisher): Promise<CeilingResult> {
  const child = new LineChild(join(HERE, "ceiling-child.ts"), [nats.url]);
  try {
    await child.next("READY");
    const slowBefore = (await nats.varz()).slow_consumers;
    log(`ceiling subscriber ${child.pid} ready; publishing`);
    const cores = new CoreLedger({ subscriber: child.pid, publisher: publisher.child.pid, "nats-server": nats.server.pid! }, "subscriber");
    cores.start();
    let pub: PublishDone | null = null;
    const publishing = publisher.go().then((d) => (pub = d));
    const expected = publisher.ready.messages;
    let last = { received: -1, at: Date.now() };
    let c: any;
    for (;;) {
      await new Promise((r) => setTimeout(r, 50));
      c = await child.request("REPORT", "COUNT");
      if (c.received !== last.received) last = { received: c.received, at: Date.now() };
      if (pub && c.received >= expected) break;
      if (pub && Date.now() - last.at > STALL_MS) break;
    }
    const coreUse = cores.stop().line;
    await publishing;
    const done = pub! as PublishDone;
    const slowAfter = (await nats.varz()).slow_consumers;
    const elapsedMs = c.lastAt - done.firstAt;
    return {
      published: done.published,
      received: c.received,
      lost: done.published - c.received,
      elapsedMs,
      subscriberSpanMs: c.lastAt - c.firstAt,
      rate: c.received / (elapsedMs / 1000),
      publishMs: done.flushedAt - done.firstAt,
      slowConsumers: slowAfter - slowBefore,
      disconnects: c.disconnects,
      cores: coreUse,
    };
  } finally {
    await child.stop();
  }
}

export interface AggregatorRunOptions {
  /** Extra bun flags for the service process (e.g. --cpu-prof-md). */
  bunFlags?: string[];
  /** Another checkout whose src/main.ts to run instead (e.g. the previous release, for a same-run comparison). */
  tree?: string;
  /** More variables for the service (they override the bench's own). */
  env?: Record<string, string>;
  /** Milliseconds to stay up after the last commit (to observe memory at rest). */
  restMs?: number;
}

export interface AggregatorResult {
  published: number;
  received: number;
  lost: number;
  accepted: number;
  invalid: number;
  rejected: number;
  duplicates: number;
  dropped: number;
  /** First message published to every received message committed. */
  elapsedMs: number;
  rate: number;
  publishMs: number;
  slowConsumers: number;
  /** "disconnected from NATS" lines in the service log. */
  disconnects: number;
  rows: { tasks: number; finishedTasks: number; invoices: number; nodes: number; history: number };
  rowsOk: boolean;
  peakRss: number;
  vmHwm: number;
  /** Largest JS heap in use seen on /metrics while ingesting. */
  peakHeap: number;
  /** CPU time (user + system, all threads) the service used from ready to the last commit. */
  cpuSeconds: number;
  /** Where the two cores went from the first publish to the last commit (CoreLedger). */
  cores: string;
  /** The full and young collections the service asked for between batches (collectionsLine). */
  collections: string;
  restRss: number | null;
  exitCode: number | null;
  dbPath: string;
}

export async function runAggregator(nats: BenchNats, publisher: Publisher, opts: AggregatorRunOptions = {}): Promise<AggregatorResult> {
  const dir = tempDir("agg-bench-");
  const dbPath = join(dir, "agg.db");
  const svc = await AggregatorProcess.start({
    env: { NATS_URL: nats.url, DB_PATH: dbPath, PUBLISH_INTERVAL: "1000", LOG_LEVEL: "info", INGEST_MODE: "core", ...opts.env },
    command: [process.execPath, ...(opts.bunFlags ?? []), join(opts.tree ?? PROJECT_ROOT, "src/main.ts")],
  });
  let exitCode: number | null = null;
  let gone = false;
  void svc.exited.then(() => (gone = true));
  try {
    await svc.waitReady(30_000);
    // The service subscribes before its first publish; make sure the server has all six SUBs.
    await waitFor("the aggregator's subscriptions on the server", async () =>
      (await nats.connz()).connections.some((c) => c.name === "truebit-aggregator" && (c.subscriptions ?? 0) >= 6), 10_000);
    const sampler = new RssSampler(svc.pid!, 100);
    const cores = new CoreLedger({ aggregator: svc.pid!, publisher: publisher.child.pid, "nats-server": nats.server.pid! }, "aggregator");
    cores.start();
    const slowBefore = (await nats.varz()).slow_consumers;
    log(`aggregator ${svc.pid} ready (db ${dbPath}); publishing`);

    let pub: PublishDone | null = null;
    const publishing = publisher.go().then((d) => (pub = d));
    const expected = publisher.ready.messages;
    let last = { received: -1, at: Date.now() };
    let m: any;
    let completedAt = 0;
    let lastLog = Date.now();
    let peakHeap = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, 25));
      m = await serviceStatus(svc);
      peakHeap = Math.max(peakHeap, m.memory?.heapUsedBytes ?? 0);
      const now = Date.now();
      const i = m.ingest;
      const settled = i.accepted + i.invalid + (i.rejected ?? 0) + (m.dropped ?? 0) === i.received && m.waiting === 0;
      if (i.received !== last.received || !settled) last = { received: i.received, at: now };
      if (now - lastLog > 5000) {
        log(`  received ${i.received.toLocaleString()} / ${expected.toLocaleString()}, committed ${(i.accepted + i.invalid).toLocaleString()}, waiting ${m.waiting}`);
        lastLog = now;
      }
      if (i.received >= expected && settled) {
        completedAt = now;
        break;
      }
      if (pub && now - last.at > STALL_MS && settled) {
        completedAt = last.at;
        log(`  no progress for ${STALL_MS} ms after the publisher finished: ${(expected - i.received).toLocaleString()} messages never arrived`);
        break;
      }
      if (gone) throw new Error(`aggregator exited during the run\n${svc.stderr}\n${svc.stdout.slice(-2000)}`);
    }
    await publishing;
    const done = pub! as PublishDone;
    const peakRss = sampler.stop();
    const coreUse = cores.stop();
    const vmHwm = procMemory(svc.pid!)?.hwm ?? NaN;
    const slowAfter = (await nats.varz()).slow_consumers;
    let restRss: number | null = null;
    if (opts.restMs) {
      await new Promise((r) => setTimeout(r, opts.restMs));
      restRss = procMemory(svc.pid!)?.rss ?? null;
    }
    const i = m.ingest;
    exitCode = await svc.stop("SIGTERM");
    const rows = countRows(dbPath);
    const ex = publisher.ready.expected;
    const elapsedMs = completedAt - done.firstAt;
    return {
      published: done.published,
      received: i.received,
      lost: done.published - i.received,
      accepted: i.accepted,
      invalid: i.invalid,
      rejected: i.rejected ?? 0,
      duplicates: i.duplicates,
      dropped: m.dropped,
      elapsedMs,
      rate: i.received / (elapsedMs / 1000),
      publishMs: done.flushedAt - done.firstAt,
      slowConsumers: slowAfter - slowBefore,
      disconnects: (svc.stdout.match(/disconnected from NATS/g) ?? []).length,
      rows,
      cpuSeconds: coreUse.serviceCpuSeconds,
      cores: coreUse.line,
      collections: collectionsLine(m),
      rowsOk: rows.tasks === ex.tasks && rows.finishedTasks === ex.tasks && rows.invoices === ex.invoices && rows.nodes === ex.nodes,
      peakRss,
      vmHwm,
      peakHeap,
      restRss,
      exitCode,
      dbPath,
    };
  } finally {
    if (exitCode === null) await svc.stop("SIGKILL");
  }
}

export function countRows(dbPath: string) {
  const db = new Database(dbPath, { readonly: true });
  try {
    const n = (sql: string) => (db.query(sql).get() as { n: number }).n;
    return {
      tasks: n("SELECT COUNT(*) AS n FROM aggregated_tasks"),
      finishedTasks: n("SELECT COUNT(*) AS n FROM aggregated_tasks WHERE success IS NOT NULL"),
      invoices: n("SELECT COUNT(*) AS n FROM aggregated_invoices"),
      nodes: n("SELECT COUNT(*) AS n FROM active_nodes"),
      history: n("SELECT COUNT(*) AS n FROM network_stats_history"),
    };
  } finally {
    db.close();
  }
}
