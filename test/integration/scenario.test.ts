// The whole service against a real nats-server and SQLite file: the published figures equal the hand-computed ones.
import { beforeEach, describe, expect, test } from "bun:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { AggregatorProcess, tempDir } from "../helpers/aggregator-process.ts";
import { useFederation } from "../helpers/federation-client.ts";
import { ALL_MESSAGES, EXPECTED, EXPECTED_DUPLICATES, EXPECTED_INVALID, PHASE_1, PHASE_2 } from "../helpers/scripted-federation.ts";
import { waitFor } from "../helpers/wait.ts";

for (const mode of ["core", "jetstream"] as const) {
  describe(`INGEST_MODE=${mode}`, () => {
    const fed = useFederation({ jetstream: mode === "jetstream" });
    // Each instance reads the whole stream through its own consumer: every test starts from an empty one.
    beforeEach(async () => {
      if (mode !== "jetstream") return;
      const jsm = await jetstreamManager(fed.client.nc);
      await jsm.streams.purge("TRUEBIT_EVENTS").catch(() => undefined);
    });

    function serviceEnv(dbPath: string): Record<string, string> {
      return { NATS_URL: fed.nats.url, DB_PATH: dbPath, PUBLISH_INTERVAL: "200", INGEST_MODE: mode };
    }

    async function received(service: AggregatorProcess, n: number): Promise<void> {
      await waitFor(`the service to have received ${n} messages`, async () => (await service.http("/api/status")).body?.ingest?.received >= n);
    }

    test("a scripted federation publishes exactly the hand-computed figures", async () => {
      const dbPath = join(tempDir(), "agg.db");
      const service = await AggregatorProcess.start({ env: serviceEnv(dbPath) });
      try {
        await service.waitReady();
        const sent = await fed.client.publish(ALL_MESSAGES);
        await received(service, sent);

        const stats = await fed.client.nextStats((m) => m.data.totalTasks === EXPECTED.totalTasks && m.data.activeNodes === EXPECTED.activeNodes);
        expect(stats.data).toEqual(EXPECTED);
        // Still the same one publish later: nothing is counted twice after the fact.
        expect((await fed.client.nextStats()).data).toEqual(EXPECTED);
        expect(fed.client.invalidStats).toEqual([]);

        const { ingest } = (await service.http("/api/status")).body;
        expect(ingest.received).toBe(ALL_MESSAGES.length);
        expect(ingest.invalidByReason).toEqual(EXPECTED_INVALID);
        expect(ingest.invalid).toBe(5);
        expect(ingest.accepted).toBe(ALL_MESSAGES.length - 5);
        expect(ingest.duplicates).toBe(EXPECTED_DUPLICATES);
      } finally {
        expect(await service.stop("SIGTERM")).toBe(0);
      }

      const db = new Database(dbPath, { readonly: true });
      try {
        const count = (table: string) => (db.query(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
        expect(count("aggregated_tasks")).toBe(6);
        expect(count("aggregated_invoices")).toBe(3);
        expect(count("active_nodes")).toBe(4);
        expect(count("network_stats_history")).toBeGreaterThanOrEqual(2);
        const last = db.query("SELECT stats_json FROM network_stats_history ORDER BY id DESC LIMIT 1").get() as { stats_json: string };
        expect(JSON.parse(last.stats_json)).toEqual(EXPECTED);
        expect((db.query("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode).toBe("wal");
      } finally {
        db.close();
      }
    });

    test("a restart mid-scenario resumes the same totals: nothing reset, nothing counted twice", async () => {
      const dbPath = join(tempDir(), "agg.db");
      const first = await AggregatorProcess.start({ env: serviceEnv(dbPath) });
      await first.waitReady();
      await fed.client.publish(PHASE_1);
      await received(first, PHASE_1.length);
      expect(await first.stop("SIGTERM")).toBe(0);

      const second = await AggregatorProcess.start({ env: serviceEnv(dbPath) });
      try {
        await second.waitReady();
        // The first message after the restart already carries phase 1's totals.
        const resumed = await fed.client.nextStats();
        expect(resumed.data.totalTasks).toBe(4);
        expect(resumed.data.totalNodes).toBe(3);

        await fed.client.publish(PHASE_2);
        await received(second, PHASE_2.length);
        const stats = await fed.client.nextStats((m) => m.data.totalTasks === EXPECTED.totalTasks && m.data.activeNodes === EXPECTED.activeNodes);
        expect(stats.data).toEqual(EXPECTED);
      } finally {
        expect(await second.stop("SIGINT")).toBe(0);
      }
    });
  });
}
