// nats-server stopped for 10 s mid-stream: JetStream mode loses nothing; core mode reports the window it could not see.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { AggregatorProcess, tempDir } from "../helpers/aggregator-process.ts";
import { FederationClient } from "../helpers/federation-client.ts";
import { figuresOf, groundTruth, publishAcked, taskTraffic } from "../helpers/ground-truth-traffic.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";
import { waitFor } from "../helpers/wait.ts";

const OUTAGE_MS = 10_000;

async function outage(nats: TestNatsServer): Promise<void> {
  await nats.stop();
  const stoppedAt = Date.now();
  await waitFor("the outage to last its full length", () => Date.now() - stoppedAt >= OUTAGE_MS, OUTAGE_MS + 5000, 100);
  await nats.restart();
}

test("JetStream: broker down 10 s mid-stream; the aggregator reconnects by itself and counts everything once", async () => {
  const nats = await TestNatsServer.start({ jetstream: true });
  const client = await FederationClient.connect(nats.url);
  const service = await AggregatorProcess.start({
    env: { NATS_URL: nats.url, DB_PATH: join(tempDir(), "agg.db"), PUBLISH_INTERVAL: "200", INGEST_MODE: "jetstream" },
  });
  try {
    await service.waitReady();
    await publishAcked(client.nc, taskTraffic(0, 5000));
    const during = (async () => {
      // Published around the outage: the publisher re-sends whatever the stream did not acknowledge.
      await publishAcked(client.nc, taskTraffic(5000, 5000));
    })();
    await outage(nats);
    await during;
    await publishAcked(client.nc, taskTraffic(10_000, 5000));

    const expected = groundTruth(15_000);
    const stats = await client.nextStats((m) => m.data.totalTasks === expected.totalTasks && m.data.totalInvoices === expected.totalInvoices, 60_000);
    expect(figuresOf(stats.data)).toEqual(expected);
    expect(service.stdout).toContain("reconnected to NATS");
    expect((await service.http("/readyz")).status).toBe(200);
  } finally {
    expect(await service.stop()).toBe(0);
    await client.close();
    await nats.dispose();
  }
}, 120_000);

test("core: broker down 10 s; what was sent during the outage is not seen, and the service reports the window", async () => {
  const nats = await TestNatsServer.start();
  const client = await FederationClient.connect(nats.url);
  const service = await AggregatorProcess.start({
    env: { NATS_URL: nats.url, DB_PATH: join(tempDir(), "agg.db"), PUBLISH_INTERVAL: "200", INGEST_MODE: "core" },
  });
  try {
    await service.waitReady();
    await client.publish(taskTraffic(0, 3000));
    await client.nextStats((m) => m.data.totalTasks === 3000);

    await outage(nats);
    await waitFor("both sides to be reconnected", async () => (await service.http("/readyz")).status === 200, 30_000);
    // A flush succeeds only once the publisher's own connection is back.
    await waitFor("the publisher to be reconnected", async () => (await client.nc.flush(), true), 30_000, 100);
    await client.publish(taskTraffic(3000, 3000));

    // Everything published while both were connected is counted exactly.
    const stats = await client.nextStats((m) => m.data.totalTasks === 6000, 30_000);
    expect(figuresOf(stats.data)).toEqual(groundTruth(6000));
    // What core mode cannot see (publishes to a broker while it was away from it) it cannot count; it reports the window instead.
    const mode = (await service.http("/api/status")).body.mode;
    expect(mode.mode).toBe("core");
    await waitFor("the disconnect window in the ingest status", async () => {
      const m = (await service.http("/api/status")).body.mode;
      return m.disconnects >= 1 && m.disconnectedMs >= OUTAGE_MS - 1000;
    }, 10_000);
    expect(service.stdout).toMatch(/reconnected to NATS .*downMs=\d{5}/);
  } finally {
    expect(await service.stop()).toBe(0);
    await client.close();
    await nats.dispose();
  }
}, 120_000);
