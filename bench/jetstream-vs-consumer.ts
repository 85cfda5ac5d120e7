// Bench 5: JetStream ingest. N real-format messages are stored in a JetStream stream first; then, each
// with its own new durable consumer over the whole stream, (a) a bare pull consumer that parses and acks
// every message, (b) a bare one with ack policy none, and (c) the aggregator in INGEST_MODE=jetstream
// (acks after commit) read all of it. Rates run from the first message received to the last one
// acked (a), received (b), committed and acked (c).
//
//   bun bench/jetstream-vs-consumer.ts [--messages 1000000] [--smoke] [--profile]
//   env: BENCH_MESSAGES, BENCH_SMOKE=1, BENCH_PROFILE=1, BENCH_IDS=sequential|random
//
// --profile runs the aggregator under `bun --cpu-prof` and prints where the profile went (rates not comparable).
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiscardPolicy, RetentionPolicy, StorageType, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { INBOUND_SUBJECTS } from "../src/protocol/subjects.ts";
import { AggregatorProcess, PROJECT_ROOT, tempDir } from "../test/helpers/aggregator-process.ts";
import { waitFor } from "../test/helpers/wait.ts";
import { hasFlag, intArg } from "./lib/args.ts";
import { summariseProfile } from "./profile-summary.ts";
import { LineChild } from "./lib/child.ts";
import { Publisher, countRows } from "./lib/ingest.ts";
import { startBenchNats } from "./lib/nats.ts";
import { MB, RssSampler, procMemory } from "./lib/proc.ts";
import { log, report, type Figure } from "./lib/result.ts";
import { ID_ORDER, roundMessages } from "./lib/traffic.ts";

const messages = roundMessages(intArg("messages", 1_000_000, 20_000));
const profileDir = hasFlag("profile") ? mkdtempSync(join(tmpdir(), "agg-prof-")) : undefined;
const STREAM = "BENCH_EVENTS";
const HERE = import.meta.dir;

interface BareResult {
  received: number;
  rate: number;
  elapsedMs: number;
  ackPending: number;
}

async function runBare(url: string, ack: "explicit" | "none", consumer: string): Promise<BareResult> {
  const child = new LineChild(join(HERE, "lib/js-consumer-child.ts"), [url, STREAM, consumer, ack, String(messages)]);
  try {
    const d = await child.next<{ received: number; firstAt: number; lastAt: number; flushedAt: number; ackPending: number }>("DONE", 600_000);
    const end = ack === "explicit" ? d.flushedAt : d.lastAt;
    return { received: d.received, elapsedMs: end - d.firstAt, rate: d.received / ((end - d.firstAt) / 1000), ackPending: d.ackPending };
  } finally {
    await child.stop();
  }
}

const nats = await startBenchNats({ jetstream: true });
const nc = await connect({ servers: nats.url, name: "bench-js-admin" });
let publisher: Publisher | null = null;
try {
  const jsm = await jetstreamManager(nc);
  // As the service would create it (src/nats/jetstream-source.ts), under another name.
  await jsm.streams.add({
    name: STREAM, subjects: Object.keys(INBOUND_SUBJECTS), storage: StorageType.File, retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old, max_age: 168 * 3600 * 1e9, max_msg_size: 1024 * 1024,
  });
  log(`bench 5: JetStream ingest, ${messages.toLocaleString()} messages (${ID_ORDER} ids), nats-server ${(await nats.varz()).version}`);
  publisher = await Publisher.start(nats.url, messages);
  const loadStart = Date.now();
  await publisher.go();
  await waitFor("the stream to hold every message", async () => (await jsm.streams.info(STREAM)).state.messages >= messages, 600_000, 200);
  const loadMs = Date.now() - loadStart;
  log(`stream ${STREAM} holds ${messages.toLocaleString()} messages (${(loadMs / 1000).toFixed(1)} s to store)`);
  await publisher.stop();
  publisher = null;

  const explicit = await runBare(nats.url, "explicit", "bare-explicit");
  log(`bare consumer, explicit acks: ${Math.round(explicit.rate).toLocaleString()} msgs/s`);
  const none = await runBare(nats.url, "none", "bare-none");
  log(`bare consumer, no acks: ${Math.round(none.rate).toLocaleString()} msgs/s`);

  const dir = tempDir("agg-js-bench-");
  const dbPath = join(dir, "agg.db");
  const svc = await AggregatorProcess.start({
    env: {
      NATS_URL: nats.url, DB_PATH: dbPath, PUBLISH_INTERVAL: "1000", LOG_LEVEL: "info", INGEST_MODE: "jetstream",
      JS_STREAM: STREAM, JS_CONSUMER: "aggregator-bench",
    },
    command: [process.execPath, ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []), join(PROJECT_ROOT, "src/main.ts")],
  });
  let agg: { rate: number; elapsedMs: number; accepted: number; received: number; ackPending: number; peakRss: number; vmHwm: number };
  try {
    const sampler = new RssSampler(svc.pid!, 100);
    let firstAt = 0;
    let m: any;
    await waitFor("the aggregator to commit every message", async () => {
      try {
        m = (await svc.http("/metrics")).body;
      } catch {
        return false; // not listening yet
      }
      if (firstAt === 0 && m.ingest.received > 0) firstAt = Date.now();
      return m.ingest.accepted + m.ingest.invalid >= messages && m.waiting === 0;
    }, 600_000, 20);
    const committedAt = Date.now();
    const info = () => jsm.consumers.info(STREAM, "aggregator-bench");
    await waitFor("the aggregator's acks to reach the server", async () => (await info()).num_ack_pending === 0, 60_000, 20);
    const ackedAt = Date.now();
    const peakRss = sampler.stop();
    const vmHwm = procMemory(svc.pid!)?.hwm ?? NaN;
    agg = {
      rate: m.ingest.received / ((ackedAt - firstAt) / 1000), elapsedMs: ackedAt - firstAt, accepted: m.ingest.accepted,
      received: m.ingest.received, ackPending: (await info()).num_ack_pending, peakRss, vmHwm,
    };
    log(`aggregator (jetstream): ${Math.round(agg.rate).toLocaleString()} msgs/s (committed after ${committedAt - firstAt} ms, acked after ${ackedAt - firstAt} ms)`);
  } finally {
    await svc.stop("SIGTERM");
  }
  const rows = countRows(dbPath);
  const lost = messages - agg.accepted;
  const vsExplicit = agg.rate / explicit.rate;
  const vsNone = agg.rate / none.rate;
  const figures: Figure[] = [
    { name: "messages in the stream", value: messages, unit: "msgs" },
    { name: "time to store them (bench setup)", value: loadMs / 1000, unit: "s" },
    { name: "bare pull consumer, explicit ack per message", value: Math.round(explicit.rate), unit: "msgs/s" },
    { name: "bare pull consumer, ack policy none", value: Math.round(none.rate), unit: "msgs/s" },
    { name: "aggregator, INGEST_MODE=jetstream (first received -> all committed and acked)", value: Math.round(agg.rate), unit: "msgs/s" },
    { name: "aggregator lost (stream - committed)", value: lost, unit: "msgs", target: "0", met: lost === 0 },
    { name: "aggregator / bare consumer with explicit acks", value: `${(vsExplicit * 100).toFixed(1)}%`, unit: "", target: ">= 80% with 0 lost", met: vsExplicit >= 0.8 && lost === 0 },
    { name: "aggregator / bare consumer without acks", value: `${(vsNone * 100).toFixed(1)}%`, unit: "" },
    { name: "SQLite task rows", value: rows.tasks, unit: "rows" },
    { name: "aggregator peak RSS (sampled 100 ms, VmHWM)", value: Math.round(Math.max(agg.peakRss, agg.vmHwm) / MB), unit: "MB" },
  ];
  const profileNotes: string[] = [];
  const cpuprofile = profileDir && readdirSync(profileDir).find((f) => f.endsWith(".cpuprofile"));
  if (cpuprofile) {
    const { totalMs, categories } = summariseProfile(join(profileDir!, cpuprofile));
    profileNotes.push(`profile summary (${totalMs.toFixed(0)} ms sampled, ${join(profileDir!, cpuprofile)}): ${categories.slice(0, 14).map((c) => `${c.name} ${(c.share * 100).toFixed(1)}%`).join("; ")}`);
  }
  report({
    bench: "jetstream-vs-consumer",
    params: { messages, ids: ID_ORDER, stream: "file storage" },
    figures,
    notes: [
      `bare explicit: ${explicit.received} received, ${explicit.ackPending} unacked at the end; bare none: ${none.received} received`,
      `aggregator: received ${agg.received}, accepted ${agg.accepted}, ack pending at the end ${agg.ackPending}; rows ${JSON.stringify(rows)}`,
      ...profileNotes,
    ],
  });
} finally {
  await publisher?.stop();
  await nc.close();
  await nats.dispose();
}
