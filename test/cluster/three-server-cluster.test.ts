// Three instances on a three-server JetStream cluster (JS_REPLICAS=3): one voice, failover after SIGKILL, a lost NATS server.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { LEASE_BUCKET } from "../../src/cluster/lease-bucket.ts";
import { join } from "node:path";
import { AggregatorProcess, tempDir } from "../helpers/aggregator-process.ts";
import { figuresOf, groundTruth, publishAcked, taskTraffic } from "../helpers/ground-truth-traffic.ts";
import { TestNatsCluster } from "../helpers/nats-cluster.ts";
import { StatsSenders } from "../helpers/stats-senders.ts";
import { waitFor } from "../helpers/wait.ts";

const INTERVAL_MS = 1000;
const LEASE_MS = 2000;
const IDS = ["host-1", "host-2", "host-3"];

let cluster: TestNatsCluster;
let senders: StatsSenders;
let monitors: NatsConnection;
const dbPaths = IDS.map(() => join(tempDir(), "agg.db"));
const instances: (AggregatorProcess | null)[] = [null, null, null];

/** Instance i on server i alone: it learns the other servers from the cluster, as a client does. */
function start(i: number): Promise<AggregatorProcess> {
  return AggregatorProcess.start({
    env: {
      NATS_URL: cluster.servers[i]!.url, DB_PATH: dbPaths[i]!, INSTANCE_ID: IDS[i]!, INGEST_MODE: "jetstream",
      JS_REPLICAS: "3", LEADER_LEASE_MS: String(LEASE_MS), PUBLISH_INTERVAL: String(INTERVAL_MS),
    },
  });
}

beforeAll(async () => {
  cluster = await TestNatsCluster.start(3);
  senders = await StatsSenders.connect(cluster.urls);
  monitors = await connect({ servers: cluster.urls, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
});
afterAll(async () => {
  await Promise.all(instances.map((p) => p?.stop("SIGKILL")));
  await monitors?.close();
  await senders?.close();
  await cluster?.dispose();
});

function leaderIndex(from: string | null): number {
  const i = IDS.indexOf(from ?? "");
  if (i < 0) throw new Error(`stats from an unknown instance: ${from}`);
  return i;
}

test("three servers, three instances: one publisher per interval; SIGKILL, restart and a lost NATS server change nothing in the figures", async () => {
  for (let i = 0; i < 3; i++) instances[i] = await start(i);
  await Promise.all(instances.map((p) => p!.waitReady(30_000)));

  // Steady state: exactly one instance id publishes in each interval.
  await publishAcked(monitors, taskTraffic(0, 1000));
  const phase1 = await senders.next((s) => figuresOf(s.message.data).totalTasks === 1000, 20_000);
  expect(figuresOf(phase1.message.data)).toEqual(groundTruth(1000));
  await waitFor("five intervals of steady state", () => senders.since(phase1.at).length >= 5, 20_000);
  const steady = senders.since(phase1.at);
  expect(new Set(steady.map((s) => s.from)).size).toBe(1);
  const roles = await Promise.all(instances.map(async (p) => (await p!.http("/readyz")).body));
  expect(roles.map((r) => r.role).sort()).toEqual(["leader", "standby", "standby"]);
  expect(roles.every((r) => r.ready)).toBe(true);
  const first = leaderIndex(phase1.from);
  expect(roles[first]!.role).toBe("leader");
  // JS_REPLICAS=3: the stream and the lease bucket were created with three replicas.
  const jsm = await jetstreamManager(monitors);
  expect((await jsm.streams.info("TRUEBIT_EVENTS")).config.num_replicas).toBe(3);
  expect((await jsm.streams.info(`KV_${LEASE_BUCKET}`)).config.num_replicas).toBe(3);

  // SIGKILL the leader: another publishes within a lease and an interval, with the exact figures.
  const killedAt = Date.now();
  expect(await instances[first]!.stop("SIGKILL")).toBeNull();
  const takeover = await senders.next((s) => s.from !== IDS[first], 3 * (LEASE_MS + INTERVAL_MS));
  expect(takeover.at - killedAt).toBeLessThanOrEqual(LEASE_MS + INTERVAL_MS);
  expect(figuresOf(takeover.message.data)).toEqual(groundTruth(1000));
  const second = leaderIndex(takeover.from);

  // The killed instance comes back as a standby and catches up with what it missed.
  await publishAcked(monitors, taskTraffic(1000, 1000));
  instances[first] = await start(first);
  await instances[first]!.waitReady(30_000);
  expect((await instances[first]!.http("/readyz")).body.role).toBe("standby");
  await waitFor("the restarted standby to hold all 2000 tasks", async () => (await instances[first]!.http("/stats")).body?.data?.totalTasks === 2000, 20_000);
  expect(figuresOf((await instances[first]!.http("/stats")).body.data)).toEqual(groundTruth(2000));
  const caughtUp = await senders.next((s) => s.message.data.totalTasks === 2000);
  expect(caughtUp.from).toBe(IDS[second]!);

  // Stop the NATS server the leader is connected to: publishing goes on, nothing is lost.
  const lostServerAt = Date.now();
  await cluster.servers[second]!.stop();
  await publishAcked(monitors, taskTraffic(2000, 1000));
  const after = await senders.next((s) => s.message.data.totalTasks === 3000, 30_000);
  expect(figuresOf(after.message.data)).toEqual(groundTruth(3000));
  await waitFor("two more intervals", () => senders.since(after.at).length >= 2, 10_000);
  for (const s of senders.since(after.at)) expect(figuresOf(s.message.data)).toEqual(groundTruth(3000));
  // No interval with two voices: each change of sender is one handover.
  const runs = StatsSenders.runs(senders.since(lostServerAt));
  expect(new Set(runs).size).toBe(runs.length);
}, 120_000);
