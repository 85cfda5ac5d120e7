// The ingest pipeline against a real SQLite file that refuses writes: nothing acked before it is stored, redeliveries held once.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { Admission } from "../../src/core/admission.ts";
import { IngestMetrics } from "../../src/core/ingest-metrics.ts";
import { NetworkState } from "../../src/core/network-state.ts";
import { loadConfig } from "../../src/config/config.ts";
import { createLogger } from "../../src/log/logger.ts";
import { IngestPipeline } from "../../src/service/ingest-pipeline.ts";
import { hashFor, nodeIdFor, taskReceived } from "../../src/simulation/monitor-messages.ts";
import { AggregatorStore } from "../../src/storage/aggregator-store.ts";
import { tempDir } from "../helpers/aggregator-process.ts";

async function setup(limits: Record<string, string> = {}) {
  const store = await AggregatorStore.open(join(tempDir(), "agg.db"));
  const state = new NetworkState();
  const metrics = new IngestMetrics();
  const lines: string[] = [];
  const log = createLogger({ level: "info", format: "text", write: (l) => lines.push(l) });
  const config = loadConfig(limits);
  const admission = new Admission(config.limits, (id) => state.nodes.has(id) || store.node(id) !== undefined);
  const pipeline = new IngestPipeline(store, state, metrics, log, admission);
  return { store, state, metrics, pipeline, lines };
}

const bytes = (s: string) => new TextEncoder().encode(s);

test("while storage refuses writes, redeliveries are held once, no ack goes out, and each message is acked once after the commit", async () => {
  // A global limit that the redelivered copies would exhaust if they were admitted again.
  const { store, state, metrics, pipeline } = await setup({ GLOBAL_RATE_LIMIT: "100" });
  const node = nodeIdFor(1);
  const messages = Array.from({ length: 500 }, (_, i) => taskReceived(node, { taskIdHash: hashFor("held", i) }));
  const acks = new Map<number, string[]>();
  const ackFor = (seq: number, delivery: string) => () => acks.set(seq, [...(acks.get(seq) ?? []), delivery]);
  const at = Date.now();

  store.db.exec("PRAGMA query_only = 1"); // the database refuses writes from here on
  messages.forEach((m, i) => pipeline.accept(m.subject, bytes(m.payload), at, ackFor(i + 1, "first"), i + 1));
  expect(pipeline.flush()).toBe(false);
  expect(pipeline.storage.writable).toBe(false);
  // Three rounds of JetStream redelivery while storage stays down.
  for (const round of ["second", "third", "fourth"]) {
    messages.forEach((m, i) => pipeline.accept(m.subject, bytes(m.payload), at, ackFor(i + 1, round), i + 1));
    expect(pipeline.flush()).toBe(false);
  }
  expect(pipeline.pending).toBe(500);
  expect(pipeline.redelivered).toBe(1500);
  expect(acks.size).toBe(0);
  expect(metrics.total().rejected).toBe(0);

  store.db.exec("PRAGMA query_only = 0");
  expect(pipeline.flush()).toBe(true);
  expect(pipeline.pending).toBe(0);
  expect(state.counters.total("tasks")).toBe(500);
  expect(store.countRows("aggregated_tasks")).toBe(500);
  // Each message acked exactly once, through its newest delivery.
  expect(acks.size).toBe(500);
  expect([...acks.values()].every((d) => d.length === 1 && d[0] === "fourth")).toBe(true);
  store.close();
});

test("an ack that throws (its connection closed) neither escapes nor replays the batch", async () => {
  const { store, metrics, pipeline } = await setup();
  const m = taskReceived(nodeIdFor(2), { taskIdHash: hashFor("closed", 1) });
  pipeline.accept(m.subject, bytes(m.payload), Date.now(), () => {
    throw new Error("CONNECTION_CLOSED");
  }, 7);
  expect(() => pipeline.flush()).not.toThrow();
  expect(pipeline.pending).toBe(0);
  expect(pipeline.flush()).toBe(true);
  expect(metrics.total().accepted).toBe(1);
  expect(store.countRows("aggregated_tasks")).toBe(1);
  store.close();
});
