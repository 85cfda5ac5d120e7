// A second `aggregator run` on a database a live process holds exits 2 and leaves the file as it was; a kill -9 never blocks a restart.
import { expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AggregatorProcess, runCli, tempDir } from "../helpers/aggregator-process.ts";
import { FederationClient } from "../helpers/federation-client.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";
import { ALL_MESSAGES, EXPECTED } from "../helpers/scripted-federation.ts";

function fingerprint(dbPath: string): Record<string, string | null> {
  return Object.fromEntries(["", "-wal", "-shm"].map((suffix) => {
    const path = dbPath + suffix;
    return [suffix || "db", existsSync(path) ? createHash("sha256").update(readFileSync(path)).digest("hex") : null];
  }));
}

test("same DB_PATH: the second process exits 2 naming the path and the holder; after kill -9 a restart is not blocked", async () => {
  const nats = await TestNatsServer.start();
  const client = await FederationClient.connect(nats.url);
  const dbPath = join(tempDir(), "shared.db");
  const env = { NATS_URL: nats.url, DB_PATH: dbPath, PUBLISH_INTERVAL: "200", INGEST_MODE: "core" };
  const first = await AggregatorProcess.start({ env });
  try {
    await first.waitReady();
    // Core NATS has nothing to elect with: this instance publishes alone, and says once that it must be alone.
    expect((await first.http("/readyz")).body).toMatchObject({ role: "single", instance: expect.any(String) });
    expect(first.stdout.match(/role: single .*run only one instance/g)?.length).toBe(1);
    await client.publish(ALL_MESSAGES);
    await client.nextStats((m) => m.data.totalTasks === EXPECTED.totalTasks);

    // Paused, the holder cannot write either: any change to the files would be the second process's.
    process.kill(first.pid!, "SIGSTOP");
    const before = fingerprint(dbPath);
    const startedAt = Date.now();
    const second = await runCli(["run"], { ...env, HTTP_PORT: "0" });
    const tookMs = Date.now() - startedAt;
    expect(second.code).toBe(2);
    expect(tookMs).toBeLessThan(5000);
    const lines = second.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(dbPath);
    expect(lines[0]).toContain(`pid ${first.pid}`);
    expect(fingerprint(dbPath)).toEqual(before);

    // A read-only tool, such as a backup, is not refused while the service runs.
    const backup = join(tempDir(), "backup.db");
    const ro = new Database(dbPath, { readonly: true });
    ro.exec(`VACUUM INTO '${backup}'`);
    ro.close();
    const copy = new Database(backup, { readonly: true });
    expect((copy.query("SELECT COUNT(*) AS n FROM aggregated_tasks").get() as { n: number }).n).toBe(6);
    copy.close();
    process.kill(first.pid!, "SIGCONT");
  } finally {
    process.kill(first.pid!, "SIGCONT");
    expect(await first.stop("SIGKILL")).toBeNull();
  }

  // The kernel dropped the dead holder's lock: the restart starts at once and keeps the totals.
  const restarted = await AggregatorProcess.start({ env });
  try {
    await restarted.waitReady();
    expect((await client.nextStats()).data.totalTasks).toBe(EXPECTED.totalTasks);
  } finally {
    expect(await restarted.stop()).toBe(0);
    await client.close();
    await nats.dispose();
  }
}, 60_000);
