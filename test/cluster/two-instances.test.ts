// Two instances on one JetStream server: one consistent series equal to the ground truth, and the lease handed over on SIGTERM.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { jetstreamManager } from "@nats-io/jetstream";
import { join } from "node:path";
import { AggregatorProcess, tempDir } from "../helpers/aggregator-process.ts";
import { figuresOf, groundTruth, publishAcked, taskTraffic } from "../helpers/ground-truth-traffic.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";
import { StatsSenders } from "../helpers/stats-senders.ts";
import { waitFor } from "../helpers/wait.ts";

const INTERVAL_MS = 500;
let nats: TestNatsServer;
let senders: StatsSenders;

beforeAll(async () => {
  nats = await TestNatsServer.start({ jetstream: true });
  senders = await StatsSenders.connect(nats.url);
});
afterAll(async () => {
  await senders?.close();
  await nats?.dispose();
});

async function startInstance(env: Record<string, string> = {}, dbPath = join(tempDir(), "agg.db")): Promise<AggregatorProcess> {
  return AggregatorProcess.start({ env: { NATS_URL: nats.url, DB_PATH: dbPath, PUBLISH_INTERVAL: String(INTERVAL_MS), INGEST_MODE: "jetstream", ...env } });
}

async function roleOf(p: AggregatorProcess): Promise<string> {
  return (await p.http("/readyz")).body?.role;
}

function storedInstanceId(dbPath: string): string {
  const db = new Database(dbPath, { readonly: true });
  try {
    return String((db.query("SELECT value FROM schema_meta WHERE key = 'instance_id'").get() as { value: string }).value);
  } finally {
    db.close();
  }
}

test("two instances with default settings publish one series, and it equals the ground truth", async () => {
  const dbA = join(tempDir(), "a.db");
  const dbB = join(tempDir(), "b.db");
  const a = await startInstance({}, dbA);
  const b = await startInstance({}, dbB);
  try {
    await Promise.all([a.waitReady(), b.waitReady()]);
    const TASKS = 2000;
    await publishAcked(senders.nc, taskTraffic(0, TASKS));
    const expected = groundTruth(TASKS);
    const first = await senders.next((s) => s.message.data.totalTasks === TASKS && s.message.data.totalInvoices === expected.totalInvoices);
    // Ten intervals on: every message from the one leader, every one exact.
    await waitFor("ten more stats messages", () => senders.since(first.at).length >= 10, 20_000);
    const series = senders.since(first.at);
    expect(new Set(series.map((s) => s.from)).size).toBe(1);
    for (const s of series) expect(figuresOf(s.message.data)).toEqual(expected);

    // Each instance reads through its own durable consumer, named from the id its database keeps.
    const ids = [storedInstanceId(dbA), storedInstanceId(dbB)];
    expect(ids[0]).not.toBe(ids[1]);
    const roles = await Promise.all([a.http("/readyz"), b.http("/readyz")]);
    expect(roles.map((r) => r.body.instance)).toEqual(ids);
    expect(roles.map((r) => r.body.role).sort()).toEqual(["leader", "standby"]);
    expect(roles.every((r) => r.status === 200)).toBe(true);
    expect(ids).toContain(first.from!);
    const jsm = await jetstreamManager(senders.nc);
    const consumers = (await jsm.consumers.list("TRUEBIT_EVENTS").next()).map((c) => c.name).sort();
    expect(consumers).toEqual(ids.map((id) => `aggregator-${id}`).sort());
    // The consumer of an instance gone for the stream's age (JS_MAX_AGE_HOURS, 168 h) is removed by the server.
    const info = await jsm.consumers.info("TRUEBIT_EVENTS", consumers[0]!);
    expect(info.config.inactive_threshold).toBe(168 * 3600 * 1e9);
    // The standby holds the whole state too: its own snapshot is exact.
    const standby = roles[0]!.body.role === "standby" ? a : b;
    expect(figuresOf((await standby.http("/stats")).body.data)).toEqual(expected);
    // Its dashboard judges the leader's publishes, as its /readyz does: healthy, not "not yet".
    const page = await fetch(`http://127.0.0.1:${standby.httpPort}/`).then((r) => r.text());
    expect(page).toMatch(/<div class="pill ok"><span>Published<\/span><b>by the leader, [^<]+<\/b><\/div>/);
  } finally {
    expect(await a.stop()).toBe(0);
    expect(await b.stop()).toBe(0);
  }
}, 60_000);

test("SIGTERM of the leader hands the lease to the standby within one publish interval", async () => {
  const a = await startInstance({ INSTANCE_ID: "handover-a", LEADER_LEASE_MS: "2000" });
  await a.waitReady();
  await waitFor("a to lead", async () => (await roleOf(a)) === "leader");
  const b = await startInstance({ INSTANCE_ID: "handover-b", LEADER_LEASE_MS: "2000" });
  try {
    await b.waitReady();
    expect(await roleOf(b)).toBe("standby");
    await senders.next((s) => s.from === "handover-a");

    const termAt = Date.now();
    const exited = a.stop("SIGTERM");
    const taken = await senders.next((s) => s.from === "handover-b", 10_000);
    expect(await exited).toBe(0);
    expect(taken.at - termAt).toBeLessThanOrEqual(INTERVAL_MS);
    expect(a.stdout).toMatch(/role: standby .*why="shutting down: lease released"/);
    expect(b.stdout).toMatch(/role: leader from=standby why="handover-a released the lease"/);
    expect(await roleOf(b)).toBe("leader");
    // After the handover, only b.
    await waitFor("three more messages", () => senders.since(taken.at).length >= 3);
    expect(senders.since(taken.at).every((s) => s.from === "handover-b")).toBe(true);
  } finally {
    await a.stop();
    expect(await b.stop()).toBe(0);
  }
}, 60_000);
