// The same source runs under Node (npm run start:node) and Deno (npm run start:deno): each publishes the expected stats with its own SQLite driver.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { AggregatorProcess, PROJECT_ROOT, runCli, tempDir } from "../helpers/aggregator-process.ts";
import { FederationClient } from "../helpers/federation-client.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";
import { ALL_MESSAGES, EXPECTED } from "../helpers/scripted-federation.ts";
import { NODE_BUNDLE, ensureBuilt } from "./built-artifacts.ts";

const DENO = join(PROJECT_ROOT, "node_modules/.bin/deno");

/** The runtime command of an npm script, as npm would run it (its build step, if any, is done by ensureBuilt). */
function scriptCommand(name: "start:node" | "start:deno"): string[] {
  const script = pkg.scripts[name];
  const last = script.split("&&").at(-1)!.trim().split(/\s+/);
  if (last[0] === "deno") last[0] = DENO;
  if (last[0] === "node") last[0] = "node";
  return last;
}

let nats: TestNatsServer;
let client: FederationClient;

beforeAll(async () => {
  ensureBuilt();
  nats = await TestNatsServer.start({ websocket: true });
  client = await FederationClient.connect(nats.url);
}, 120_000);
afterAll(async () => {
  await client?.close();
  await nats?.dispose();
});

async function publishesExpectedStats(command: string[], natsUrl: string, driver: string): Promise<void> {
  const service = await AggregatorProcess.start({
    command,
    env: { NATS_URL: natsUrl, DB_PATH: join(tempDir(), "agg.db"), PUBLISH_INTERVAL: "200" },
  });
  try {
    await service.waitReady(30_000);
    expect((await service.http("/readyz")).body.database.driver).toBe(driver);
    await client.publish(ALL_MESSAGES);
    const stats = await client.nextStats((m) => m.data.totalTasks === EXPECTED.totalTasks && m.data.activeNodes === EXPECTED.activeNodes);
    expect(stats.data).toEqual(EXPECTED);
    // Metrics, history and the dashboard with its embedded assets work on this runtime too.
    expect((await service.http("/metrics")).text).toContain(`\ntruebit_network_total_tasks ${EXPECTED.totalTasks}\n`);
    // Downsampled in SQL by this runtime's driver: one slice answers the newest message.
    const history = (await service.http("/api/history?points=1")).body;
    expect(history.published).toBeGreaterThanOrEqual(2);
    expect(history.downsampled).toBe(true);
    expect(history.points).toHaveLength(1);
    expect(history.points[0].totalTasks).toBe(EXPECTED.totalTasks);
    expect((await service.http("/")).text).toContain(`data-figure="totalTasks">${EXPECTED.totalTasks}<`);
    expect((await service.http("/assets/uPlot.iife.min.js")).text.length).toBeGreaterThan(40_000);
  } finally {
    expect(await service.stop("SIGTERM")).toBe(0);
  }
  expect(service.stdout).toContain("truebit aggregator");
}

test("npm run start:node: the Node bundle with better-sqlite3, over WebSocket", async () => {
  expect(scriptCommand("start:node")).toEqual(["node", "--experimental-websocket", "dist/node/main.js"]);
  expect(existsSync(NODE_BUNDLE)).toBe(true);
  await publishesExpectedStats(scriptCommand("start:node"), nats.wsUrl, "better-sqlite3");
}, 60_000);

test("npm run start:deno: the TypeScript source under Deno with node:sqlite", async () => {
  expect(existsSync(DENO)).toBe(true);
  await publishesExpectedStats(scriptCommand("start:deno"), nats.url, "node:sqlite");
}, 60_000);

test("under Node, a configuration error is one line with exit code 2", async () => {
  const r = await runCli([], { PUBLISH_INTERVAL: "fast" }, ["node", NODE_BUNDLE]);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe('aggregator: configuration error: PUBLISH_INTERVAL: "fast" is not a whole number; allowed: integer milliseconds, 100 to 86400000\n');
});

test("under Node without WebSocket, a ws:// URL is refused with the way out", async () => {
  const hasWebSocket = spawnSync("node", ["-e", "process.exit(typeof WebSocket === 'function' ? 0 : 1)"]).status === 0;
  if (hasWebSocket) {
    console.log("skipped: this Node has a global WebSocket, so ws:// works without a flag");
    return;
  }
  const r = await runCli([], { NATS_URL: nats.wsUrl, DB_PATH: join(tempDir(), "agg.db") }, ["node", NODE_BUNDLE]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("aggregator: configuration error: NATS_URL: ws:// and wss:// cannot be used");
  expect(r.stderr).toContain("--experimental-websocket");
});
