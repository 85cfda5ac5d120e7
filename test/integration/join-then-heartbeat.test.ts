// Monitors announce themselves and send their first heartbeat back to back: every node keeps its place.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { AggregatorProcess, tempDir } from "../helpers/aggregator-process.ts";
import { useFederation } from "../helpers/federation-client.ts";
import { heartbeat, nodeIdFor, nodeJoined, type OutboundMessage } from "../../src/simulation/monitor-messages.ts";

const MONITORS = 20;

for (const mode of ["core", "jetstream"] as const) {
  describe(`INGEST_MODE=${mode}`, () => {
    const fed = useFederation({ jetstream: mode === "jetstream" });

    test(`${MONITORS} monitors: node_joined then a location-only heartbeat in one flush; all places are counted`, async () => {
      const service = await AggregatorProcess.start({
        env: { NATS_URL: fed.nats.url, DB_PATH: join(tempDir(), "agg.db"), PUBLISH_INTERVAL: "200", INGEST_MODE: mode },
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
        await fed.client.publish(messages);

        const stats = await fed.client.nextStats((m) => m.data.activeNodes === MONITORS);
        // Published a moment later than the last commit at most: the next one must agree.
        const next = await fed.client.nextStats();
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
