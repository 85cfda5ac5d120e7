// Experiment child: a core-NATS subscriber that only parses (bare), or feeds the real pipeline inline or through a worker thread.
// Usage: bun bench/experiments/split-child.ts <nats-url> <db-path> bare|inline|worker
import { connect } from "@nats-io/transport-node";
import { IngestMetrics } from "../../src/core/ingest-metrics.ts";
import { NetworkState } from "../../src/core/network-state.ts";
import { AggregatorStore } from "../../src/storage/aggregator-store.ts";
import { readCommands, reply } from "../lib/child.ts";
import { SUBJECTS } from "../lib/traffic.ts";
import { makePipeline } from "../lib/wiring.ts";

const [url, dbPath, mode] = process.argv.slice(2);
const nc = await connect({ servers: url!, name: "split-child", maxReconnectAttempts: -1 });
let received = 0, committed = 0, waiting = 0, firstAt = 0, lastAt = 0;
let handle: (subj: number, data: Uint8Array) => void;

if (mode === "bare") {
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  handle = (_s, d) => { if (typeof JSON.parse(utf8.decode(d)) === "object") committed++; };
} else if (mode === "inline") {
  const store = await AggregatorStore.open(dbPath!);
  const state = new NetworkState(store.restore(Date.now()));
  const metrics = new IngestMetrics();
  const pipeline = makePipeline(store, state, metrics);
  handle = (s, d) => pipeline.accept(SUBJECTS[s]!, d, Date.now());
  // As the service's publish timer does: commit what waits, then read the counters.
  setInterval(() => {
    pipeline.flush();
    const t = metrics.total();
    committed = t.accepted + t.invalid + t.rejected;
    waiting = pipeline.pending;
  }, 20);
} else {
  const worker = new Worker(new URL("./split-worker.ts", import.meta.url).href);
  await new Promise<void>((r) => {
    worker.onmessage = (ev) => { if (ev.data.type === "ready") r(); };
    worker.postMessage({ type: "open", dbPath });
  });
  worker.onmessage = (ev) => {
    if (ev.data.type === "progress") { committed = ev.data.committed; waiting = ev.data.waiting; }
  };
  const CHUNK_BYTES = 1 << 20;
  let buf = new Uint8Array(CHUNK_BYTES), meta = new Float64Array(3 * 4096), count = 0, off = 0;
  let scheduled = false;
  const send = () => {
    scheduled = false;
    if (count === 0) return;
    worker.postMessage({ type: "chunk", buf: buf.buffer, meta, count }, [buf.buffer, meta.buffer]);
    buf = new Uint8Array(CHUNK_BYTES); meta = new Float64Array(3 * 4096); count = 0; off = 0;
  };
  handle = (s, d) => {
    if (off + d.length > CHUNK_BYTES || count === 4096) send();
    buf.set(d, off); off += d.length;
    meta[count * 3] = s; meta[count * 3 + 1] = Date.now(); meta[count * 3 + 2] = d.length; count++;
    if (!scheduled) { scheduled = true; setTimeout(send, 2); }
  };
  setInterval(() => worker.postMessage({ type: "flush" }), 20);
}

SUBJECTS.forEach((subject, i) => {
  nc.subscribe(subject, { callback: (err, msg) => {
    if (err) return;
    const now = Date.now();
    if (received === 0) firstAt = now;
    lastAt = now; received++;
    handle(i, msg.data);
  } });
});
await nc.flush();
reply("READY", {});
readCommands(async (line) => {
  if (line === "REPORT") reply("COUNT", { received, committed, waiting, firstAt, lastAt, rss: process.memoryUsage().rss });
  else if (line === "EXIT") { await nc.close(); process.exit(0); }
});
