// Floods and forgeries against the running service: limits hold, refusals are counted, honest traffic passes.
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { AggregatorProcess, tempDir } from "../helpers/aggregator-process.ts";
import { FederationClient } from "../helpers/federation-client.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";
import { waitFor } from "../helpers/wait.ts";
import { hashFor, heartbeat, nodeIdFor, taskReceived } from "../../src/simulation/monitor-messages.ts";

let nats: TestNatsServer;
let client: FederationClient;
const services: AggregatorProcess[] = [];

beforeAll(async () => {
  nats = await TestNatsServer.start();
  client = await FederationClient.connect(nats.url);
});
// One service at a time: every service on the broker publishes stats on the same subject.
afterEach(async () => {
  for (const s of services.splice(0)) expect(await s.stop()).toBe(0);
});
afterAll(async () => {
  await client.close();
  await nats.dispose();
});

async function service(env: Record<string, string> = {}): Promise<AggregatorProcess> {
  const s = await AggregatorProcess.start({ env: { NATS_URL: nats.url, DB_PATH: join(tempDir(), "agg.db"), PUBLISH_INTERVAL: "200", INGEST_MODE: "core", ...env } });
  services.push(s);
  await s.waitReady();
  return s;
}

async function metricsAfter(s: AggregatorProcess, received: number) {
  return waitFor(`${received} messages received and processed`, async () => {
    const m = (await s.http("/api/status")).body;
    return m.ingest.received >= received && m.waiting === 0 ? m : undefined;
  }, 60_000);
}

test("10,000 forged heartbeats from 10,000 new ids move totalNodes by at most NEW_NODES_PER_MINUTE", async () => {
  const s = await service({ NEW_NODES_PER_MINUTE: "50" });
  const sent = await client.publish(Array.from({ length: 10_000 }, (_, i) => heartbeat(nodeIdFor(i, 0xf00d))));
  const m = await metricsAfter(s, sent);
  expect(m.ingest.rejectedByReason.new_node_refused).toBe(9_950);
  const stats = await client.nextStats();
  expect(stats.data.totalNodes).toBe(50);
  expect(stats.data.activeNodes).toBe(50);
  // The log tells the operator too: the interval summaries' refusals add up to all of them. A burst
  // may straddle an interval boundary, so it can take more than one line.
  const logged = await waitFor("interval summaries counting every refusal", () => {
    const sum = [...s.stdout.matchAll(/rejected\.new_node_refused=(\d+)/g)].reduce((n, x) => n + Number(x[1]), 0);
    return sum >= 9_950 ? sum : undefined;
  }, 10_000);
  expect(logged).toBe(9_950);
});

test("a node flooding past its rate is throttled; an honest node beside it is not", async () => {
  const s = await service({ RATE_LIMIT_PER_NODE: "5", RATE_LIMIT_BURST: "20" });
  const flooder = nodeIdFor(1, 0xbad);
  const honest = nodeIdFor(2, 0x900d);
  const flood = Array.from({ length: 200 }, (_, i) => taskReceived(flooder, { taskIdHash: hashFor("flood", i), taskType: "wasm" }));
  const fair = Array.from({ length: 10 }, (_, i) => taskReceived(honest, { taskIdHash: hashFor("fair", i), taskType: "wasm" }));
  const sent = await client.publish([...flood, ...fair]);
  const m = await metricsAfter(s, sent);
  const throttled = m.ingest.rejectedByReason.rate_limited_node;
  // The burst of 20 passes, plus whatever refilled at 5/s while the flood was arriving.
  expect(throttled).toBeGreaterThanOrEqual(170);
  expect(throttled).toBeLessThanOrEqual(180);
  expect(m.ingest.accepted + throttled).toBe(sent);
  const stats = await client.nextStats();
  expect(stats.data.totalTasks).toBe(sent - throttled);
  expect(stats.data.taskTypeDistribution).toEqual({ wasm: sent - throttled });
});

test("the global limit throttles the sum of all nodes", async () => {
  const s = await service({ GLOBAL_RATE_LIMIT: "10" }); // bursts of 10 s: 100 messages
  const sent = await client.publish(Array.from({ length: 400 }, (_, i) => taskReceived(nodeIdFor(i % 40, 0x61), { taskIdHash: hashFor("glob", i) })));
  const m = await metricsAfter(s, sent);
  const throttled = m.ingest.rejectedByReason.rate_limited_global;
  expect(throttled).toBeGreaterThanOrEqual(290);
  expect(throttled).toBeLessThanOrEqual(300);
  expect(m.ingest.accepted).toBe(sent - throttled);
});

test("timestamps far in the future or past are rejected and cannot pin a node as active", async () => {
  const s = await service({ MAX_CLOCK_SKEW_MS: "600000", MAX_MESSAGE_AGE_MS: "86400000" });
  const future = nodeIdFor(1, 0xf17);
  const past = nodeIdFor(2, 0xf17);
  const shift = (payload: string, ms: number) => payload.replace(/"timestamp":"[^"]+"/, `"timestamp":"${new Date(Date.now() + ms).toISOString()}"`);
  const hbFuture = heartbeat(future);
  const hbPast = heartbeat(past);
  const sent = await client.publish([
    { subject: hbFuture.subject, payload: shift(hbFuture.payload, 24 * 3600_000) },
    { subject: hbPast.subject, payload: shift(hbPast.payload, -30 * 24 * 3600_000) },
    heartbeat(nodeIdFor(3, 0xf17)), // an honest one: sender timestamps are rounded down 5 minutes
  ]);
  const m = await metricsAfter(s, sent);
  expect(m.ingest.rejectedByReason).toEqual({ timestamp_in_future: 1, timestamp_too_old: 1 });
  const stats = await client.nextStats();
  expect(stats.data.totalNodes).toBe(1);
  expect(stats.data.activeNodes).toBe(1);
});

test("a flood of 100k distinct ids leaves memory bounded; silent nodes leave memory but not the totals", async () => {
  const s = await service({ NEW_NODES_PER_MINUTE: "1000", ACTIVE_WINDOW_MS: "1000" });
  const before = (await s.http("/api/status")).body.memory.heapUsedBytes;
  let sent = 0;
  for (let chunk = 0; chunk < 10; chunk++) {
    sent += await client.publish(Array.from({ length: 10_000 }, (_, i) => heartbeat(nodeIdFor(chunk * 10_000 + i, 0x4ea9))));
  }
  const m = await metricsAfter(s, sent);
  expect(m.ingest.rejectedByReason.new_node_refused).toBe(99_000);
  // Nodes silent for longer than the active window are evicted at the next tick; totalNodes stays.
  const evicted = await waitFor("silent nodes to leave memory", async () => {
    const mm = (await s.http("/api/status")).body;
    return mm.nodesInMemory === 0 && mm.rateLimitedNodesTracked === 0 ? mm : undefined;
  }, 10_000);
  const after = evicted.memory.heapUsedBytes;
  console.log(`heap before ${(before / 1e6).toFixed(1)} MB, after 100k forged ids ${(after / 1e6).toFixed(1)} MB`);
  expect(after - before).toBeLessThan(32 * 1024 * 1024);
  const stats = await client.nextStats();
  expect(stats.data.totalNodes).toBe(1000);
  expect(stats.data.activeNodes).toBe(0);
});

test("MIN_NODES_PER_BUCKET merges small continent and location buckets into other", async () => {
  const s = await service({ MIN_NODES_PER_BUCKET: "2" });
  const sent = await client.publish([
    heartbeat(nodeIdFor(1, 0xa11), { continentBucket: "EU", locationBucket: "52.5,13.5" }),
    heartbeat(nodeIdFor(2, 0xa11), { continentBucket: "EU", locationBucket: "52.5,13.5" }),
    heartbeat(nodeIdFor(3, 0xa11), { continentBucket: "EU", locationBucket: "48.9,2.3" }),
    heartbeat(nodeIdFor(4, 0xa11), { continentBucket: "NA", locationBucket: "40.7,-74.0" }),
    heartbeat(nodeIdFor(5, 0xa11), { continentBucket: "AF" }),
  ]);
  await metricsAfter(s, sent);
  const stats = await client.nextStats();
  expect(stats.data.continentDistribution).toEqual({ EU: 3, other: 2 });
  expect(stats.data.locationDistribution).toEqual({ "52.5,13.5": 2, other: 2 });
});
