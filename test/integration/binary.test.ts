// The compiled single binary, started against a local nats-server, publishes a valid stats message.
import { beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { AggregatorProcess, PROJECT_ROOT, tempDir } from "../helpers/aggregator-process.ts";
import { FederationClient } from "../helpers/federation-client.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";
import { ALL_MESSAGES, EXPECTED } from "../helpers/scripted-federation.ts";

const BINARY = join(PROJECT_ROOT, "dist/aggregator");

beforeAll(() => {
  const build = spawnSync(process.execPath, ["run", "build"], { cwd: PROJECT_ROOT, encoding: "utf8" });
  expect(build.status).toBe(0);
  expect(existsSync(BINARY)).toBe(true);
}, 120_000);

test("dist/aggregator runs from any directory and publishes the expected stats", async () => {
  const nats = await TestNatsServer.start();
  const client = await FederationClient.connect(nats.url);
  const cwd = tempDir("agg-bin-cwd-");
  const service = await AggregatorProcess.start({
    command: [BINARY],
    env: { NATS_URL: nats.url, DB_PATH: join(cwd, "data/agg.db"), PUBLISH_INTERVAL: "200" },
  });
  try {
    await service.waitReady();
    const first = await client.nextStats();
    expect(first.data.totalTasks).toBe(0);

    await client.publish(ALL_MESSAGES);
    const stats = await client.nextStats((m) => m.data.totalTasks === EXPECTED.totalTasks && m.data.activeNodes === EXPECTED.activeNodes);
    expect(stats.data).toEqual(EXPECTED);
    expect(client.invalidStats).toEqual([]);
  } finally {
    expect(await service.stop("SIGTERM")).toBe(0);
    await client.close();
    await nats.dispose();
  }
});
