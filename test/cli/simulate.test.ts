// `aggregator simulate` against a real nats-server: exactly rate x duration valid monitor messages, a progress report, clear failures.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import { decodeMessage } from "../../src/protocol/decode.ts";
import { runCli } from "../helpers/aggregator-process.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";
import { freePort } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait.ts";

let nats: TestNatsServer;
let watcher: NatsConnection;
const seen: Array<{ subject: string; data: Uint8Array }> = [];

beforeAll(async () => {
  nats = await TestNatsServer.start();
  watcher = await connect({ servers: nats.url });
  watcher.subscribe("truebit.>", { callback: (_err, msg) => void seen.push({ subject: msg.subject, data: msg.data }) });
  await watcher.flush();
});
afterAll(async () => {
  await watcher?.close();
  await nats?.dispose();
});

test("publishes exactly rate x duration messages, every one valid under the wire contract", async () => {
  seen.length = 0;
  const r = await runCli(["simulate", "--url", nats.url, "--nodes", "4", "--rate", "400", "--duration", "1.5s", "--seed", "42"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`simulating 4 monitors publishing 400 messages/s to ${nats.url} for 1.5 s (600 messages), seed 42`);
  expect(r.stdout).toMatch(/^done: .*sent 600 \(/m);

  await waitFor("all 600 messages at the watcher", () => seen.length >= 600);
  await watcher.flush();
  expect(seen.length).toBe(600);
  const rejected = seen
    .map((m) => ({ subject: m.subject, result: decodeMessage(m.subject, m.data, Date.now()) }))
    .filter((d) => !d.result.ok);
  expect(rejected).toEqual([]);

  const count = (subject: string) => seen.filter((m) => m.subject === subject).length;
  expect(count("truebit.nodes.joined")).toBe(4);
  expect(count("truebit.heartbeat")).toBeGreaterThanOrEqual(4);
  expect(count("truebit.tasks.received")).toBeGreaterThan(100);
  expect(count("truebit.tasks.completed")).toBeGreaterThan(100);
  expect(count("truebit.invoices.created")).toBeGreaterThan(50);
});

test("the same seed replays the same traffic", async () => {
  const run = async () => {
    seen.length = 0;
    expect((await runCli(["simulate", "--url", nats.url, "--nodes", "3", "--rate", "200", "--duration", "0.5s", "--seed", "7"])).code).toBe(0);
    await waitFor("100 messages", () => seen.length >= 100);
    // Timestamps follow the clock; everything else follows the seed.
    return seen.map((m) => `${m.subject} ${new TextDecoder().decode(m.data).replace(/"timestamp":"[^"]+"/, "")}`);
  };
  expect(await run()).toEqual(await run());
});

test("an unreachable server is one line and exit code 1", async () => {
  const url = `nats://127.0.0.1:${await freePort()}`;
  const r = await runCli(["simulate", "--url", url, "--duration", "1s"]);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toBe(`aggregator simulate: cannot connect to ${url}: connection refused\n`);
});

const usage: Array<[string[], string]> = [
  [[], "aggregator simulate: --url is required: NATS server to publish to, e.g. nats://127.0.0.1:4222; see aggregator simulate --help"],
  [["--url", "nats://127.0.0.1:1", "--rate", "x"], 'aggregator simulate: --rate must be a positive number up to 1000000 (got "x"); see aggregator simulate --help'],
  [["--url", "nats://127.0.0.1:1", "--nodes", "0"], 'aggregator simulate: --nodes must be a whole number from 1 to 100000 (got "0"); see aggregator simulate --help'],
  [["--url", "nats://127.0.0.1:1", "--duration", "soon"], 'aggregator simulate: --duration must be a duration such as 500ms, 30s, 5m or 1h (got "soon"); see aggregator simulate --help'],
  [["--url", "nats://127.0.0.1:1", "--rat", "5"], 'aggregator simulate: unknown option "--rat" (did you mean --rate?); see aggregator simulate --help'],
  [["--url", "localhost"], 'aggregator simulate: --url: "localhost" is not a URL; allowed: nats://, tls://, ws:// or wss:// URL; several separated by commas; see aggregator simulate --help'],
];
for (const [args, message] of usage) {
  test(`usage error: simulate ${args.join(" ") || "(no options)"}`, async () => {
    const r = await runCli(["simulate", ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`${message}\n`);
  });
}
