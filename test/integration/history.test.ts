// GET /api/history against a real service and SQLite file: exactly the published messages, downsampled long ranges, bounds, and 400s that name the parameter.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import type { NetworkStatsMessage } from "../../src/protocol/stats-message.ts";
import { AggregatorStore } from "../../src/storage/aggregator-store.ts";
import { AggregatorProcess, tempDir } from "../helpers/aggregator-process.ts";
import { useFederation } from "../helpers/federation-client.ts";
import { EXPECTED, PHASE_1, PHASE_2 } from "../helpers/scripted-federation.ts";
import { waitFor } from "../helpers/wait.ts";

setDefaultTimeout(60_000);

const FIGURES = ["activeNodes", "totalNodes", "totalTasks", "completedTasks", "failedTasks", "cachedTasks", "tasksLast24h",
  "totalInvoices", "invoicesLast24h", "successRate", "cacheHitRate"] as const;

/** A published message as /api/history answers it. */
function pointOf(m: NetworkStatsMessage): Record<string, unknown> {
  return { timestamp: m.timestamp, ...Object.fromEntries(FIGURES.map((f) => [f, m.data[f]])) };
}

const fed = useFederation();

function serviceEnv(dbPath: string): Record<string, string> {
  return { NATS_URL: fed.nats.url, DB_PATH: dbPath, PUBLISH_INTERVAL: "200", INGEST_MODE: "core" };
}

describe("GET /api/history", () => {
  test("after several publishes, the points are the published messages, within the bounds asked for", async () => {
    const service = await AggregatorProcess.start({ env: serviceEnv(join(tempDir(), "agg.db")) });
    const first = fed.client.stats.length;
    try {
      await service.waitReady();
      await fed.client.publish(PHASE_1);
      await fed.client.nextStats((m) => m.data.totalTasks === 4);
      await fed.client.publish(PHASE_2);
      await fed.client.nextStats((m) => m.data.totalTasks === EXPECTED.totalTasks);
      await waitFor("a few more publishes", () => fed.client.stats.length - first >= 8);
      const seen = fed.client.stats.slice(first);
      const from = seen[0]!.timestamp;
      const to = seen.at(-1)!.timestamp;

      // ISO-8601 on one side, epoch milliseconds on the other.
      const all = await service.http(`/api/history?from=${from}&to=${Date.parse(to)}&points=5000`);
      expect(all.status).toBe(200);
      expect(all.body.downsampled).toBe(false);
      expect(all.body.published).toBe(seen.length);
      expect(all.body.points).toEqual(seen.map(pointOf));
      expect(new Set(seen.map((m) => m.data.totalTasks))).toEqual(new Set([0, 4, EXPECTED.totalTasks]));

      const inner = await service.http(`/api/history?from=${seen[1]!.timestamp}&to=${seen.at(-2)!.timestamp}`);
      expect(inner.body.points).toEqual(seen.slice(1, -1).map(pointOf));
      expect(inner.body.from).toBe(seen[1]!.timestamp);
      expect(inner.body.to).toBe(seen.at(-2)!.timestamp);
    } finally {
      expect(await service.stop("SIGTERM")).toBe(0);
    }
  });

  test("a 29-day range of 5-minute rows answers at most `points` points, each one stored row, in order and in range", async () => {
    const dbPath = join(tempDir(), "agg.db");
    const STEP = 5 * 60_000;
    const ROWS = 29 * 288;
    const t0 = Date.now() - ROWS * STEP;
    const store = await AggregatorStore.open(dbPath);
    const template = { version: "1.0", type: "network_stats", timestamp: "", data: { ...EXPECTED } } as NetworkStatsMessage;
    store.db.exec("BEGIN");
    for (let i = 0; i < ROWS; i++) {
      const at = t0 + i * STEP;
      store.recordStats({ ...template, timestamp: new Date(at).toISOString(), data: { ...EXPECTED, totalTasks: i, activeNodes: i % 7 } }, at);
    }
    store.db.exec("COMMIT");
    store.close();

    const service = await AggregatorProcess.start({ env: serviceEnv(dbPath) });
    try {
      await service.waitReady();
      const to = Date.now();
      const from = t0 - STEP / 2;
      const r = await service.http(`/api/history?from=${from}&to=${to}&points=100`);
      expect(r.status).toBe(200);
      expect(r.body.downsampled).toBe(true);
      expect(r.body.published).toBeGreaterThan(ROWS);
      const points = r.body.points as { timestamp: string; totalTasks: number; activeNodes: number }[];
      expect(points.length).toBeLessThanOrEqual(100);
      expect(points.length).toBeGreaterThanOrEqual(95);
      const times = points.map((p) => Date.parse(p.timestamp));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(times[0]!).toBeGreaterThanOrEqual(from);
      expect(times.at(-1)!).toBeLessThanOrEqual(to);
      // Each seeded point is one row, whole: its totalTasks and activeNodes belong to its own timestamp.
      for (const p of points.filter((p) => Date.parse(p.timestamp) < t0 + ROWS * STEP)) {
        const i = (Date.parse(p.timestamp) - t0) / STEP;
        expect(Number.isInteger(i)).toBe(true);
        expect([p.totalTasks, p.activeNodes]).toEqual([i, i % 7]);
      }

      // No bounds: the last 24 hours, 288 seeded rows or so plus what the service published itself.
      const day = await service.http("/api/history");
      expect(Date.parse(day.body.to) - Date.parse(day.body.from)).toBe(24 * 60 * 60_000);
      expect(day.body.maxPoints).toBe(500);
      expect(day.body.points.length).toBeLessThanOrEqual(500);
      expect(day.body.published).toBeGreaterThanOrEqual(287);
      expect(day.body.published).toBeLessThan(400);
      for (const p of day.body.points) expect(Date.parse(p.timestamp)).toBeGreaterThanOrEqual(Date.parse(day.body.from));
    } finally {
      expect(await service.stop("SIGTERM")).toBe(0);
    }
  });

  test("a bad parameter answers 400 with a message that names it, and an empty range answers no points", async () => {
    const service = await AggregatorProcess.start({ env: serviceEnv(join(tempDir(), "agg.db")) });
    try {
      await service.waitReady();
      const cases: [string, string][] = [
        ["from=yesterday", "from"],
        ["from=2026-13-45T00:00:00Z", "from"],
        ["to=12abc", "to"],
        ["points=0", "points"],
        ["points=5001", "points"],
        ["points=ten", "points"],
        ["points=1.5", "points"],
        ["from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from"],
        [`to=${"9".repeat(100)}`, "to"],
      ];
      for (const [query, name] of cases) {
        const r = await service.http(`/api/history?${query}`);
        expect([query, r.status]).toEqual([query, 400]);
        expect(r.body.error).toStartWith(`${name}: `);
      }
      const empty = await service.http("/api/history?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z");
      expect(empty.status).toBe(200);
      expect(empty.body).toMatchObject({ published: 0, downsampled: false, points: [] });
    } finally {
      expect(await service.stop("SIGTERM")).toBe(0);
    }
  });
});
