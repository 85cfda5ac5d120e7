// kill -9 of the aggregator while 100k messages flow (JetStream): after a restart nothing is lost, nothing counted twice.
import { expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { AggregatorProcess, tempDir } from "../helpers/aggregator-process.ts";
import { FederationClient } from "../helpers/federation-client.ts";
import { figuresOf, groundTruth, publishAcked, taskTraffic } from "../helpers/ground-truth-traffic.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";
import { waitFor } from "../helpers/wait.ts";

const TASKS = 45_500; // about 100k messages: receipt + completion per task, an invoice every fifth

test("kill -9 mid-stream, restart: final stats equal the ground truth and the database is intact", async () => {
  const nats = await TestNatsServer.start({ jetstream: true });
  const client = await FederationClient.connect(nats.url);
  const dbPath = join(tempDir(), "agg.db");
  const env = { NATS_URL: nats.url, DB_PATH: dbPath, PUBLISH_INTERVAL: "200", INGEST_MODE: "jetstream" };
  try {
    const traffic = taskTraffic(0, TASKS);
    expect(traffic.length).toBeGreaterThanOrEqual(100_000);
    const first = await AggregatorProcess.start({ env });
    await first.waitReady();

    const publishing = publishAcked(client.nc, traffic);
    await waitFor("the aggregator to be part-way through the stream", async () => (await first.http("/api/status")).body.ingest.received >= 20_000, 60_000);
    expect(await first.stop("SIGKILL")).toBeNull(); // killed, no exit code
    await publishing;

    const second = await AggregatorProcess.start({ env });
    try {
      await second.waitReady();
      const expected = groundTruth(TASKS);
      const stats = await client.nextStats((m) => m.data.totalTasks === expected.totalTasks && m.data.totalInvoices === expected.totalInvoices, 90_000);
      expect(figuresOf(stats.data)).toEqual(expected);
      // One publish later still equal: redelivered messages were recognised as repeats.
      expect(figuresOf((await client.nextStats()).data)).toEqual(expected);
    } finally {
      expect(await second.stop()).toBe(0);
    }
    const db = new Database(dbPath, { readonly: true });
    expect((db.query("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check).toBe("ok");
    expect((db.query("SELECT COUNT(*) AS n FROM aggregated_tasks").get() as { n: number }).n).toBe(TASKS);
    db.close();
  } finally {
    await client.close();
    await nats.dispose();
  }
}, 180_000);
