// The README's least-privilege aggregator user (Durability + High availability) is enough to consume, elect and publish.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AggregatorProcess, PROJECT_ROOT, tempDir } from "../helpers/aggregator-process.ts";
import { figuresOf, groundTruth, publishAcked, taskTraffic } from "../helpers/ground-truth-traffic.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";
import { StatsSenders } from "../helpers/stats-senders.ts";
import { waitFor } from "../helpers/wait.ts";
import { connect } from "@nats-io/transport-node";

/** The publish and subscribe lists exactly as the README prints them. */
function readmePermissions(): { publish: string[]; subscribe: string[] } {
  const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
  const block = /least-privilege `aggregator` user needs[\s\S]*?```\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error("README: no least-privilege permission block");
  const list = (name: string) => JSON.parse(/\[[^\]]*\]/.exec(block.slice(block.indexOf(`${name}:`)))![0]) as string[];
  return { publish: list("publish"), subscribe: list("subscribe") };
}

test("two instances with only the README's permissions elect one leader that publishes exact figures", async () => {
  const perms = readmePermissions();
  expect(perms.publish).toContain("$KV.truebit_aggregator_leader.stats_publisher");
  const quote = (xs: string[]) => xs.map((x) => JSON.stringify(x)).join(", ");
  const nats = await TestNatsServer.start({
    jetstream: true,
    config: `authorization { users = [
      { user: aggregator, password: "agg-pw", permissions: { publish: { allow: [${quote(perms.publish)}] }, subscribe: { allow: [${quote(perms.subscribe)}] } } },
      { user: feeder, password: "feed-pw" }
    ] }`,
  });
  const feederAuth = { user: "feeder", pass: "feed-pw" };
  const senders = await StatsSenders.connect(nats.url, feederAuth);
  const feeder = await connect({ servers: nats.url, ...feederAuth });
  const start = (id: string) => AggregatorProcess.start({
    env: {
      NATS_URL: nats.url, NATS_USER: "aggregator", NATS_PASSWORD: "agg-pw", INGEST_MODE: "jetstream", INSTANCE_ID: id,
      DB_PATH: join(tempDir(), `${id}.db`), PUBLISH_INTERVAL: "300", LEADER_LEASE_MS: "2000",
    },
  });
  const a = await start("perm-a");
  const b = await start("perm-b");
  try {
    await Promise.all([a.waitReady(), b.waitReady()]);
    await publishAcked(feeder, taskTraffic(0, 500));
    const stats = await senders.next((s) => s.message.data.totalTasks === 500);
    expect(figuresOf(stats.message.data)).toEqual(groundTruth(500));
    // A handover works with these permissions too (the release is a KV delete).
    const leader = stats.from === "perm-a" ? a : b;
    expect(await leader.stop()).toBe(0);
    const next = await senders.next((s) => s.from !== stats.from, 10_000);
    expect(figuresOf(next.message.data)).toEqual(groundTruth(500));
    for (const p of [a, b]) expect(p.stdout).not.toMatch(/Permissions Violation|refused an operation|cannot use the leader-lease bucket/);
    await waitFor("the new leader to report itself", async () => (await (leader === a ? b : a).http("/readyz")).body?.role === "leader");
  } finally {
    await a.stop();
    await b.stop();
    await feeder.close();
    await senders.close();
    await nats.dispose();
  }
}, 60_000);
