// A backlog published while the aggregator is down is counted after restart and placed in the recent window by server time.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { AggregatorProcess, tempDir } from "../helpers/aggregator-process.ts";
import { FederationClient } from "../helpers/federation-client.ts";
import { publishAcked, taskTraffic } from "../helpers/ground-truth-traffic.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";
import { waitFor } from "../helpers/wait.ts";

// The "last 24 hours" window shortened to 4 s, so "down for longer than the window" takes seconds.
const WINDOW_MS = 4000;

test("downtime backlog: all counted, tasksLast24h by server timestamps", async () => {
  const nats = await TestNatsServer.start({ jetstream: true });
  const client = await FederationClient.connect(nats.url);
  const env = { NATS_URL: nats.url, DB_PATH: join(tempDir(), "agg.db"), PUBLISH_INTERVAL: "200", INGEST_MODE: "jetstream", RECENT_WINDOW_MS: String(WINDOW_MS) };
  try {
    // Creates the stream and the durable consumer, then goes away.
    const first = await AggregatorProcess.start({ env });
    await first.waitReady();
    expect(await first.stop()).toBe(0);

    // While it is down: an old batch, then (after the window has passed) a recent one.
    await publishAcked(client.nc, taskTraffic(0, 300, 5, "old"));
    const oldPublishedAt = Date.now();
    await waitFor("the old batch to age past the recent window", () => Date.now() - oldPublishedAt > WINDOW_MS + 500, WINDOW_MS + 5000);
    await publishAcked(client.nc, taskTraffic(0, 200, 5, "new"));

    const second = await AggregatorProcess.start({ env });
    try {
      const stats = await client.nextStats((m) => m.data.totalTasks === 500, 30_000);
      // Arrival time would say 500; the broker's timestamps say only the new 200 are recent.
      expect(stats.data.tasksLast24h).toBe(200);
      expect(stats.data.invoicesLast24h).toBe(40);
      expect(stats.data.totalInvoices).toBe(100);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  } finally {
    await client.close();
    await nats.dispose();
  }
}, 120_000);
