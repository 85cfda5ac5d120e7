// Monitors announce themselves and send their first heartbeat back to back: every node keeps its place.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { AggregatorProcess, tempDir } from "../helpers/aggregator-process.ts";
import { FederationClient } from "../helpers/federation-client.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";
import { heartbeat, nodeIdFor, nodeJoined, type OutboundMessage } from "../../src/simulation/monitor-messages.ts";

const MONITORS = 20;

for (const mode of ["core", "jetstream"] as const) {
  describe(`INGEST_MODE=${mode}`, () => {
    let nats: TestNatsServer;
    let client: FederationClient;

    beforeAll(async () => {
      nats = await TestNatsServer.start({ jetstream: mode === "jetstream" });
      client = await FederationClient.connect(nats.url);
    });
    afterAll(async () => {
      await client?.close();
      await nats?.dispose();
    });

    test(`${MONITORS} monitors: node_joined then a location-only heartbeat in one flush; all places are counted`, async () => {
      const service = await AggregatorProcess.start({
        env: { NATS_URL: nats.url, DB_PATH: join(tempDir(), "agg.db"), PUBLISH_INTERVAL: "200", INGEST_MODE: mode },
      });
      try {
        await service.waitReady();
        // As the monitor client does by default: no continent, a location; distinct places so each counts alone.
        const messages: OutboundMessage[] = [];
        const expected: Record<string, number> = {};
        for (let i = 0; i < MONITORS; i++) {
          const node = nodeIdFor(900 + i);
          const location = `${(10 + i).toFixed(1)},${(20 + i / 10).toFixed(1)}`;
          messages.push(nodeJoined(node), heartbeat(node, { locationBucket: location }));
          expected[location] = 1;
        }
        await client.publish(messages);

        const stats = await client.nextStats((m) => m.data.activeNodes === MONITORS);
        // Published a moment later than the last commit at most: the next one must agree.
        const next = await client.nextStats();
        for (const m of [stats, next]) {
          expect(m.data.locationDistribution).toEqual(expected);
          expect(m.data.continentDistribution).toEqual({});
          expect(m.data.totalNodes).toBe(MONITORS);
        }
      } finally {
        expect(await service.stop("SIGTERM")).toBe(0);
      }
    });
  });
}
