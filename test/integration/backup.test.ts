// `aggregator backup PATH` against a running service under traffic: the service never stops, the copy opens and gives its figures.
import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NetworkState } from "../../src/core/network-state.ts";
import { buildNetworkStats } from "../../src/core/network-stats.ts";
import { AggregatorStore } from "../../src/storage/aggregator-store.ts";
import { AggregatorProcess, PROJECT_ROOT, tempDir } from "../helpers/aggregator-process.ts";
import { FederationClient } from "../helpers/federation-client.ts";
import { figuresOf, groundTruth, publishAcked, taskTraffic } from "../helpers/ground-truth-traffic.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";
import { waitFor } from "../helpers/wait.ts";

const TASKS = 20_000;

function backup(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, "src/main.ts"), "backup", ...args], {
    cwd: PROJECT_ROOT, encoding: "utf8", timeout: 60_000, env: { PATH: process.env.PATH ?? "", ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** What the copy publishes: the figures a service started on it would send first. */
async function figuresOfCopy(path: string) {
  const store = await AggregatorStore.open(path);
  try {
    const now = Date.now();
    const state = new NetworkState(store.restore(now));
    return {
      figures: figuresOf(buildNetworkStats(state, now, { activeWindowMs: 300_000 }).data),
      rows: store.countRows("aggregated_tasks"),
      countedTasks: state.counters.total("tasks"),
      integrity: String(store.db.prepare("PRAGMA integrity_check").get()?.integrity_check),
    };
  } finally {
    store.close();
  }
}

test("backup under traffic: the service keeps ingesting, each copy is a consistent snapshot, the last one has the live figures", async () => {
  const nats = await TestNatsServer.start({ jetstream: true });
  const client = await FederationClient.connect(nats.url);
  const dir = tempDir();
  const dbPath = join(dir, "agg.db");
  const svc = await AggregatorProcess.start({ env: { NATS_URL: nats.url, DB_PATH: dbPath, PUBLISH_INTERVAL: "200", INGEST_MODE: "jetstream" } });
  try {
    await svc.waitReady();
    const publishing = publishAcked(client.nc, taskTraffic(0, TASKS));
    await waitFor("traffic to be flowing", async () => (await svc.http("/api/status")).body.ingest.accepted >= 5_000, 60_000);

    const mid = join(dir, "mid.db");
    const r = backup([mid], { DB_PATH: dbPath });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^backup of ${dbPath} written to ${mid}: schema version 2, [\\d,]+ tasks, [\\d,]+ invoices, [\\d.]+ MB in \\d+ ms\\n$`));
    const acceptedAfter = (await svc.http("/api/status")).body.ingest.accepted;
    expect((await svc.http("/readyz")).status).toBe(200);
    await waitFor("the service to keep committing after the backup", async () => (await svc.http("/api/status")).body.ingest.accepted > acceptedAfter, 30_000);

    // A snapshot: rows and lifetime counters come from the same commit.
    const snapshot = await figuresOfCopy(mid);
    expect(snapshot.integrity).toBe("ok");
    expect(snapshot.rows).toBeGreaterThan(0);
    expect(snapshot.countedTasks).toBe(snapshot.rows);

    await publishing;
    const expected = groundTruth(TASKS);
    const live = await client.nextStats((m) => m.data.totalTasks === expected.totalTasks && m.data.totalInvoices === expected.totalInvoices, 90_000);
    const last = join(dir, "last.db");
    expect(backup(["--db", dbPath, last], {}).code).toBe(0);
    const copy = await figuresOfCopy(last);
    expect(copy.figures).toEqual(figuresOf(live.data));
    expect(copy.figures).toEqual(expected);
    expect(copy.rows).toBe(TASKS);
    expect(svc.stdout).not.toContain("database not writable");
  } finally {
    expect(await svc.stop()).toBe(0);
    await client.close();
    await nats.dispose();
  }
}, 180_000);

test("backup refuses to overwrite a file, and names a database that is not there; both exit 2", () => {
  const dir = tempDir();
  const existing = join(dir, "exists.db");
  writeFileSync(existing, "keep me");
  const over = backup([existing], { DB_PATH: join(dir, "agg.db") });
  expect(over.code).toBe(2);
  expect(over.err).toContain(`${existing} already exists`);
  const missing = backup([join(dir, "copy.db")], { DB_PATH: join(dir, "nowhere.db") });
  expect(missing.code).toBe(2);
  expect(missing.err.trim().split("\n")).toHaveLength(1);
  expect(missing.err).toContain(`${join(dir, "nowhere.db")} does not exist`);
  expect(existsSync(join(dir, "copy.db"))).toBe(false);
  const noPath = backup([], {});
  expect(noPath.code).toBe(2);
  expect(noPath.err).toContain("PATH is required");
});
