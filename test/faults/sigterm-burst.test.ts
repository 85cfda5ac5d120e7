// SIGTERM during a burst: the service exits 0 within 5 s, and after a restart the totals equal the ground truth.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { AggregatorProcess, tempDir } from "../helpers/aggregator-process.ts";
import { FederationClient } from "../helpers/federation-client.ts";
import { figuresOf, groundTruth, publishAcked, taskTraffic } from "../helpers/ground-truth-traffic.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";
import { waitFor } from "../helpers/wait.ts";

const TASKS = 30_000;

test("SIGTERM mid-burst exits 0 within 5 s and loses nothing", async () => {
  const nats = await TestNatsServer.start({ jetstream: true });
  const client = await FederationClient.connect(nats.url);
  const env = { NATS_URL: nats.url, DB_PATH: join(tempDir(), "agg.db"), PUBLISH_INTERVAL: "200", INGEST_MODE: "jetstream" };
  try {
    const first = await AggregatorProcess.start({ env });
    await first.waitReady();
    const publishing = publishAcked(client.nc, taskTraffic(0, TASKS));
    await waitFor("the burst to be flowing", async () => (await first.http("/api/status")).body.ingest.received >= 10_000, 60_000);

    const signalled = Date.now();
    const code = await first.stop("SIGTERM");
    const tookMs = Date.now() - signalled;
    expect(code).toBe(0);
    expect(tookMs).toBeLessThan(5000);
    expect(first.stdout).toContain("shutting down signal=SIGTERM");
    await publishing;

    const second = await AggregatorProcess.start({ env });
    try {
      const expected = groundTruth(TASKS);
      const stats = await client.nextStats((m) => m.data.totalTasks === expected.totalTasks && m.data.totalInvoices === expected.totalInvoices, 90_000);
      expect(figuresOf(stats.data)).toEqual(expected);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  } finally {
    await client.close();
    await nats.dispose();
  }
}, 180_000);
