// Bench 5: JetStream ingest. Three consumers read the same N real-format messages from a JetStream stream,
// each through its own new durable pull consumer: (a) a bare one that parses and acks every message,
// (b) a bare one with ack policy none, (c) the aggregator in INGEST_MODE=jetstream (acks after commit).
// Two ways, each a ratio within its own run:
// - prefilled: the stream holds all N messages before each consumer starts (the consumers' own limit);
// - live: each consumer runs on a fresh stream while the publisher sends the N messages (as a load test
//   would; publisher, nats-server and consumer share the 2 cores).
// Rates run from the first message received to the last one acked (a), received (b), committed and acked (c).
//
//   bun bench/jetstream-vs-consumer.ts [--messages 1000000] [--modes prefilled,live] [--smoke] [--profile] [--baseline-tree DIR]
//   env: BENCH_MESSAGES, BENCH_MODES, BENCH_SMOKE=1, BENCH_PROFILE=1, BENCH_IDS=sequential|random, BENCH_BASELINE_TREE
//
// --baseline-tree also runs the aggregator of another checkout the same way, within the same run.
//
// --profile runs the aggregator under `bun --cpu-prof` and prints where the profile went (rates not comparable).
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiscardPolicy, RetentionPolicy, StorageType, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { INBOUND_SUBJECTS } from "../src/protocol/subjects.ts";
import { AggregatorProcess, PROJECT_ROOT, tempDir } from "../test/helpers/aggregator-process.ts";
import { waitFor } from "../test/helpers/wait.ts";
import { hasFlag, intArg, strArg } from "./lib/args.ts";
import { LineChild } from "./lib/child.ts";
import { Publisher, countRows } from "./lib/ingest.ts";
import { startBenchNats } from "./lib/nats.ts";
import { CoreLedger, MB, RssSampler, procMemory } from "./lib/proc.ts";
import { log, report, type Figure } from "./lib/result.ts";
import { collectionsLine, serviceStatus } from "./lib/service-status.ts";
import { summariseProfile } from "./profile-summary.ts";
import { ID_ORDER, roundMessages } from "./lib/traffic.ts";

const messages = roundMessages(intArg("messages", 1_000_000, 20_000));
const modes = (strArg("modes") ?? "prefilled,live").split(",").filter((m): m is "prefilled" | "live" => m === "prefilled" || m === "live");
const baselineTree = strArg("baseline-tree");
const profileDir = hasFlag("profile") ? mkdtempSync(join(tmpdir(), "agg-prof-")) : undefined;
const STREAM = "BENCH_EVENTS";
const HERE = import.meta.dir;

interface Run {
  rate: number;
  elapsedMs: number;
  received: number;
  accepted?: number;
  peakRss?: number;
  /** The aggregator's CPU time (user + system) until its last ack; prefilled, its start-up is in it too. */
  cpuSeconds?: number;
  /** Where the cores went while it ran (CoreLedger). */
  cores?: string;
  /** Batches committed and the time spent committing them (from /metrics). */
  commits?: string;
  /** The collections the service asked for between batches (collectionsLine). */
  collections?: string;
}

/** A new, empty stream, as the service would create it (src/nats/jetstream-source.ts), under another name. */
async function freshStream(jsm: JetStreamManager): Promise<void> {
  await jsm.streams.delete(STREAM).catch(() => undefined);
  await jsm.streams.add({
    name: STREAM, subjects: Object.keys(INBOUND_SUBJECTS), storage: StorageType.File, retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old, max_age: 168 * 3600 * 1e9, max_msg_size: 1024 * 1024,
  });
}

async function runBare(url: string, ack: "explicit" | "none", consumer: string, publish?: () => Promise<unknown>): Promise<Run> {
  const child = new LineChild(join(HERE, "lib/js-consumer-child.ts"), [url, STREAM, consumer, ack, String(messages)]);
  try {
    await child.next("READY", 60_000);
    const publishing = publish?.();
    const d = await child.next<{ received: number; firstAt: number; lastAt: number; flushedAt: number }>("DONE", 600_000);
    await publishing;
    const end = ack === "explicit" ? d.flushedAt : d.lastAt;
    return { received: d.received, elapsedMs: end - d.firstAt, rate: d.received / ((end - d.firstAt) / 1000) };
  } finally {
    await child.stop();
  }
}

/** "N batches, S s committing" from the commit-duration histogram on /metrics; empty for a version without it. */
async function commitTimes(svc: AggregatorProcess): Promise<string> {
  const { text } = await svc.http("/metrics");
  const read = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, "m").exec(text)?.[1] ?? NaN);
  const count = read("truebit_aggregator_batch_commit_duration_seconds_count");
  const sum = read("truebit_aggregator_batch_commit_duration_seconds_sum");
  return Number.isFinite(count) ? `${count} batches (mean ${Math.round(messages / count)} msgs), ${sum.toFixed(2)} s committing` : "";
}

/** INSTANCE_ID of the benchmarked service, so its consumer has a known name. */
const BENCH_INSTANCE = "bench";

async function runAggregator(url: string, jsm: JetStreamManager, consumer: string, publish?: () => Promise<unknown>, tree = PROJECT_ROOT): Promise<Run & { rows: ReturnType<typeof countRows> }> {
  const dbPath = join(tempDir("agg-js-bench-"), "agg.db");
  const svc = await AggregatorProcess.start({
    env: { NATS_URL: url, DB_PATH: dbPath, PUBLISH_INTERVAL: "1000", LOG_LEVEL: "info", INGEST_MODE: "jetstream", JS_STREAM: STREAM, JS_CONSUMER: consumer, INSTANCE_ID: BENCH_INSTANCE },
    command: [process.execPath, ...(profileDir && tree === PROJECT_ROOT ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []), join(tree, "src/main.ts")],
  });
  let run: Run;
  try {
    if (publish) await svc.waitReady(30_000);
    const sampler = new RssSampler(svc.pid!, 100);
    const cores = new CoreLedger({ aggregator: svc.pid!, "nats-server": natsPid, ...(publish && publisher ? { publisher: publisher.child.pid } : {}) }, "aggregator");
    cores.start();
    const publishing = publish?.();
    let firstAt = 0;
    let m: any;
    await waitFor("the aggregator to commit every message", async () => {
      try {
        m = await serviceStatus(svc);
      } catch {
        return false; // not listening yet
      }
      if (firstAt === 0 && m.ingest.received > 0) firstAt = Date.now();
      return m.ingest.accepted + m.ingest.invalid >= messages && m.waiting === 0;
    }, 600_000, 20);
    // This version reads through <JS_CONSUMER>-<instance id>; 0.1.0 (--baseline-tree) through JS_CONSUMER itself.
    const info = () => jsm.consumers.info(STREAM, `${consumer}-${BENCH_INSTANCE}`).catch(() => jsm.consumers.info(STREAM, consumer));
    await waitFor("the aggregator's acks to reach the server", async () => (await info()).num_ack_pending === 0, 60_000, 20);
    const ackedAt = Date.now();
    const coreUse = cores.stop();
    const commits = await commitTimes(svc);
    await publishing;
    const peakRss = Math.max(sampler.stop(), procMemory(svc.pid!)?.hwm ?? 0);
    const collections = collectionsLine(m);
    run = { rate: m.ingest.received / ((ackedAt - firstAt) / 1000), elapsedMs: ackedAt - firstAt, received: m.ingest.received, accepted: m.ingest.accepted, peakRss, cpuSeconds: coreUse.serviceCpuSeconds, cores: coreUse.line, commits, collections };
  } finally {
    await svc.stop("SIGTERM");
  }
  return { ...run, rows: countRows(dbPath) };
}

const nats = await startBenchNats({ jetstream: true });
const natsPid = nats.server.pid!;
const nc = await connect({ servers: nats.url, name: "bench-js-admin" });
let publisher: Publisher | null = null;
try {
  const jsm = await jetstreamManager(nc);
  log(`bench 5: JetStream ingest, ${messages.toLocaleString()} messages (${ID_ORDER} ids), modes ${modes.join(", ")}, nats-server ${(await nats.varz()).version}`);
  publisher = await Publisher.start(nats.url, messages);
  const pub = publisher;
  const storeAll = async () => {
    await pub.go();
    await waitFor("the stream to hold every message", async () => (await jsm.streams.info(STREAM)).state.messages >= messages, 600_000, 100);
  };
  const figures: Figure[] = [{ name: "messages per consumer", value: messages, unit: "msgs" }];
  const notes: string[] = [];
  for (const mode of modes) {
    const live = mode === "live";
    // Prefilled: one stream for all three; live: a fresh stream per consumer, filled while it reads.
    if (!live) {
      await freshStream(jsm);
      const t0 = Date.now();
      await storeAll();
      figures.push({ name: "prefilled: time to store the messages (setup)", value: (Date.now() - t0) / 1000, unit: "s" });
    }
    const before = async () => (live ? freshStream(jsm) : undefined);
    await before();
    const explicit = await runBare(nats.url, "explicit", `bare-explicit-${mode}`, live ? storeAll : undefined);
    log(`${mode}: bare consumer, explicit acks: ${Math.round(explicit.rate).toLocaleString()} msgs/s`);
    await before();
    const none = await runBare(nats.url, "none", `bare-none-${mode}`, live ? storeAll : undefined);
    log(`${mode}: bare consumer, no acks: ${Math.round(none.rate).toLocaleString()} msgs/s`);
    await before();
    const agg = await runAggregator(nats.url, jsm, `aggregator-${mode}`, live ? storeAll : undefined);
    log(`${mode}: aggregator (jetstream): ${Math.round(agg.rate).toLocaleString()} msgs/s`);
    let base: Run | null = null;
    if (baselineTree) {
      await before();
      base = await runAggregator(nats.url, jsm, `baseline-${mode}`, live ? storeAll : undefined, baselineTree);
      log(`${mode}: baseline aggregator (${baselineTree}): ${Math.round(base.rate).toLocaleString()} msgs/s`);
    }
    const lost = messages - (agg.accepted ?? 0);
    const vsExplicit = agg.rate / explicit.rate;
    figures.push(
      { name: `${mode}: bare pull consumer, explicit ack per message`, value: Math.round(explicit.rate), unit: "msgs/s" },
      { name: `${mode}: bare pull consumer, ack policy none`, value: Math.round(none.rate), unit: "msgs/s" },
      { name: `${mode}: aggregator, INGEST_MODE=jetstream (first received -> all committed and acked)`, value: Math.round(agg.rate), unit: "msgs/s" },
      { name: `${mode}: aggregator lost (stream - committed)`, value: lost, unit: "msgs", target: "0", met: lost === 0 },
      { name: `${mode}: aggregator / bare consumer with explicit acks`, value: `${(vsExplicit * 100).toFixed(1)}%`, unit: "", target: ">= 80% with 0 lost", met: vsExplicit >= 0.8 && lost === 0 },
      { name: `${mode}: aggregator / bare consumer without acks`, value: `${((agg.rate / none.rate) * 100).toFixed(1)}%`, unit: "" },
      { name: `${mode}: aggregator peak RSS (sampled 100 ms, VmHWM)`, value: Math.round((agg.peakRss ?? 0) / MB), unit: "MB" },
      { name: `${mode}: aggregator CPU time per message (user + system)`, value: Number((((agg.cpuSeconds ?? 0) / messages) * 1e6).toFixed(2)), unit: "µs" },
    );
    if (base) {
      figures.push(
        { name: `${mode}: baseline aggregator (${baselineTree}) rate`, value: Math.round(base.rate), unit: "msgs/s" },
        { name: `${mode}: baseline aggregator / bare consumer with explicit acks`, value: `${((base.rate / explicit.rate) * 100).toFixed(1)}%`, unit: "" },
        { name: `${mode}: baseline aggregator / bare consumer without acks`, value: `${((base.rate / none.rate) * 100).toFixed(1)}%`, unit: "" },
        { name: `${mode}: this aggregator / baseline aggregator`, value: `x${(agg.rate / base.rate).toFixed(2)}`, unit: "" },
        { name: `${mode}: baseline aggregator CPU time per message (user + system)`, value: Number((((base.cpuSeconds ?? 0) / messages) * 1e6).toFixed(2)), unit: "µs" },
      );
    }
    notes.push(`${mode}: aggregator, first delivery to last ack: ${agg.commits}; ${agg.collections}; CPU ${agg.cores}`);
    if (base) notes.push(`${mode}: baseline aggregator, first delivery to last ack: ${base.commits}; ${base.collections}; CPU ${base.cores}`);
    notes.push(`${mode}: bare explicit received ${explicit.received}, bare none ${none.received}; aggregator received ${agg.received}, accepted ${agg.accepted}; rows ${JSON.stringify(agg.rows)}`);
  }
  const cpuprofile = profileDir && readdirSync(profileDir).find((f) => f.endsWith(".cpuprofile"));
  if (cpuprofile) {
    const { totalMs, categories } = summariseProfile(join(profileDir!, cpuprofile));
    notes.push(`profile summary (${totalMs.toFixed(0)} ms sampled, ${join(profileDir!, cpuprofile)}): ${categories.slice(0, 14).map((c) => `${c.name} ${(c.share * 100).toFixed(1)}%`).join("; ")}`);
  }
  report({ bench: "jetstream-vs-consumer", params: { messages, modes, ids: ID_ORDER, stream: "file storage" }, figures, notes });
} finally {
  await publisher?.stop();
  await nc.close();
  await nats.dispose();
}
