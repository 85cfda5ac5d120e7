// `aggregator stats`: prints the next published stats message readably or as JSON, and says why when there is none.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { AggregatorProcess, runCli, tempDir } from "../helpers/aggregator-process.ts";
import { FederationClient } from "../helpers/federation-client.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";
import { ALL_MESSAGES, EXPECTED } from "../helpers/scripted-federation.ts";

let nats: TestNatsServer;
let client: FederationClient;
let service: AggregatorProcess;

beforeAll(async () => {
  nats = await TestNatsServer.start();
  client = await FederationClient.connect(nats.url);
  service = await AggregatorProcess.start({ env: { NATS_URL: nats.url, DB_PATH: join(tempDir(), "agg.db"), PUBLISH_INTERVAL: "200" } });
  await service.waitReady();
  await client.publish(ALL_MESSAGES);
  await client.nextStats((m) => m.data.totalTasks === EXPECTED.totalTasks && m.data.activeNodes === EXPECTED.activeNodes);
});
afterAll(async () => {
  await service?.stop();
  await client?.close();
  await nats?.dispose();
});

test("prints the figures a monitor reads, readably", async () => {
  const r = await runCli(["stats", "--url", nats.url]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const lines = r.stdout.trimEnd().split("\n");
  expect(lines[0]).toMatch(new RegExp(`^network stats of \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z from ${nats.url}$`));
  expect(lines.slice(1)).toEqual([
    "  nodes           3 active, 4 seen in total",
    "  tasks           6 in total, 6 in the last 24 h",
    "  finished        3 completed, 2 failed, 2 from cache",
    "  rates           success 60.0 %, cache hits 40.0 %",
    "  invoices        3 in total, 3 in the last 24 h",
    "  execution time  <100ms 1, 1-5s 2, 5-10s 1, >1m 1",
    "  gas used        <100K 2, 100K-1M 1, 1M-10M 1, >100M 1",
    "  steps computed  unknown 1, <100K 1, 1M-10M 1",
    "  memory used     unknown 1, <64MB 1, 64-256MB 1",
    "  chains          1 2, 137 2",
    "  task types      wasm 3, js 1, unknown 1",
    "  continents      EU 1, NA 1",
    "  locations       40.7,-74.0 1, 52.5,13.5 1",
  ]);
});

test("--json prints the message exactly as published", async () => {
  const r = await runCli(["stats", "--url", nats.url, "--json"]);
  expect(r.code).toBe(0);
  const lines = r.stdout.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  const msg = JSON.parse(lines[0]!);
  expect(msg).toMatchObject({ version: "1.0", type: "network_stats" });
  expect(msg.data).toEqual(EXPECTED);
});

test("no aggregator on the server: gives up after --timeout with exit code 1", async () => {
  const empty = await TestNatsServer.start();
  try {
    const r = await runCli(["stats", "--url", empty.url, "--timeout", "500ms"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`aggregator stats: no message on truebit.stats.aggregated from ${empty.url} within 500 ms; is an aggregator running and connected there?\n`);
  } finally {
    await empty.dispose();
  }
});

test("a message that breaks the contract is reported, with exit code 1", async () => {
  const rogue = await TestNatsServer.start();
  const publisher = await FederationClient.connect(rogue.url);
  try {
    const running = runCli(["stats", "--url", rogue.url, "--timeout", "10s"]);
    let done = false;
    void running.then(() => (done = true));
    // The CLI subscribes a moment after it starts: keep offering the bad message until it has read one.
    while (!done) {
      publisher.publishRaw("truebit.stats.aggregated", JSON.stringify({ version: "1.0", type: "network_stats", timestamp: "x", data: {} }));
      await Bun.sleep(50);
    }
    const r = await running;
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("aggregator stats: the message on truebit.stats.aggregated does not follow the contract: data.activeNodes: Invalid input: expected number, received undefined\n");
  } finally {
    await publisher.close();
    await rogue.dispose();
  }
});

test("a bad --url or --timeout is a usage error", async () => {
  const r = await runCli(["stats", "--url", "http://127.0.0.1:1"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('aggregator stats: --url: "http://127.0.0.1:1" has scheme http, which is not supported');
  const t = await runCli(["stats", "--timeout", "0"]);
  expect(t.code).toBe(2);
  expect(t.stderr).toBe('aggregator stats: --timeout must be a duration such as 500ms, 30s, 5m or 1h (got "0"); see aggregator stats --help\n');
});
