// Upgrades as an operator meets them: a 0.1.0 file under the real service, a newer file refused, a migration killed part-way.
import { expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AggregatorProcess, PROJECT_ROOT, tempDir } from "../helpers/aggregator-process.ts";
import { FederationClient } from "../helpers/federation-client.ts";
import { figuresOf } from "../helpers/ground-truth-traffic.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";
import { waitFor } from "../helpers/wait.ts";

const FIXTURE = join(PROJECT_ROOT, "test/fixtures/v0.1.0.db");
const FIGURES = JSON.parse(readFileSync(join(PROJECT_ROOT, "test/fixtures/v0.1.0-figures.json"), "utf8"));

function meta(path: string): Record<string, string> {
  const db = new Database(path, { readonly: true });
  try {
    return Object.fromEntries((db.query("SELECT key, value FROM schema_meta").all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
  } finally {
    db.close();
  }
}

test("the service upgrades a 0.1.0 database in place, logs start and end, and publishes its figures", async () => {
  const nats = await TestNatsServer.start();
  const client = await FederationClient.connect(nats.url);
  const dbPath = join(tempDir(), "agg.db");
  copyFileSync(FIXTURE, dbPath);
  const svc = await AggregatorProcess.start({ env: { NATS_URL: nats.url, DB_PATH: dbPath, PUBLISH_INTERVAL: "200", INGEST_MODE: "core" } });
  try {
    await svc.waitReady();
    const stats = await client.nextStats();
    // The lifetime figures; the 24-hour and active-node ones depend on the clock (the store test checks those at the fixture's instant).
    expect(figuresOf(stats.data)).toEqual(figuresOf(FIGURES.figures));
    expect(stats.data.executionTimeDistribution).toEqual(FIGURES.figures.executionTimeDistribution);
    expect(stats.data.chainDistribution).toEqual(FIGURES.figures.chainDistribution);
    expect(stats.data.memoryUsedDistribution).toEqual(FIGURES.figures.memoryUsedDistribution);
    expect(stats.data.successRate).toBe(FIGURES.figures.successRate);
    expect(svc.stdout).toMatch(/migrating database schema .*fromVersion=1 toVersion=2/);
    expect(svc.stdout).toMatch(/database schema migrated .*fromVersion=1 toVersion=2/);
  } finally {
    expect(await svc.stop()).toBe(0);
    await client.close();
    await nats.dispose();
  }
  expect(meta(dbPath).version).toBe("2");
}, 60_000);

test("a database from a newer schema: one line naming both versions, exit 2, the file unchanged", async () => {
  const dbPath = join(tempDir(), "agg.db");
  copyFileSync(FIXTURE, dbPath);
  const db = new Database(dbPath);
  db.exec("UPDATE schema_meta SET value = '3' WHERE key = 'version'");
  db.close();
  const before = readFileSync(dbPath);
  const svc = await AggregatorProcess.start({ env: { NATS_URL: "nats://127.0.0.1:1", DB_PATH: dbPath } });
  expect(await svc.exited).toBe(2);
  const lines = svc.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(`database ${dbPath} has schema version 3; this aggregator supports schema version 2`);
  expect(readFileSync(dbPath).equals(before)).toBe(true);
  expect(existsSync(`${dbPath}-wal`)).toBe(false);
}, 30_000);

test("kill -9 in the middle of a migration leaves version 1 intact; the next start migrates it", async () => {
  const dbPath = join(tempDir(), "agg.db");
  copyFileSync(FIXTURE, dbPath);
  // Enough 0.1.0 rows for the migration to take a while: the 0.1.0 schema, unique index and all.
  const ROWS = 600_000;
  const db = new Database(dbPath);
  db.exec(`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ${ROWS})
    INSERT INTO aggregated_tasks (task_id_hash, first_seen, first_node_id, received)
    SELECT printf('%064x', i * 2654435761), ${FIGURES.now}, 'node-00000001-0000-4000-8000-000000000000', 1 FROM c`);
  db.exec(`UPDATE lifetime_counters SET value = value + ${ROWS} WHERE family = 'total' AND key = 'tasks'`);
  db.close();
  const total = FIGURES.rows.aggregated_tasks + ROWS;

  const nats = await TestNatsServer.start();
  const env = { NATS_URL: nats.url, DB_PATH: dbPath, PUBLISH_INTERVAL: "200", INGEST_MODE: "core" };
  try {
    const first = await AggregatorProcess.start({ env });
    await waitFor("the migration to start", () => first.stdout.includes("migrating database schema"), 30_000, 5);
    expect(await first.stop("SIGKILL")).toBeNull();
    expect(first.stdout).not.toContain("database schema migrated");

    const raw = new Database(dbPath, { readonly: true });
    expect((raw.query("SELECT value FROM schema_meta WHERE key = 'version'").get() as { value: string }).value).toBe("1");
    expect((raw.query("SELECT COUNT(*) AS n FROM aggregated_tasks").get() as { n: number }).n).toBe(total);
    expect(raw.query("SELECT name FROM sqlite_master WHERE name = 'aggregated_tasks_v2'").get()).toBeNull();
    raw.close();

    const second = await AggregatorProcess.start({ env });
    try {
      await second.waitReady(60_000);
      expect(second.stdout).toMatch(/database schema migrated .*fromVersion=1 toVersion=2/);
      expect((await second.http("/stats")).body.data.totalTasks).toBe(total);
    } finally {
      expect(await second.stop()).toBe(0);
    }
    const after = new Database(dbPath, { readonly: true });
    expect((after.query("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check).toBe("ok");
    expect((after.query("SELECT COUNT(*) AS n FROM aggregated_tasks").get() as { n: number }).n).toBe(total);
    after.close();
    expect(meta(dbPath).version).toBe("2");
  } finally {
    await nats.dispose();
  }
}, 120_000);
