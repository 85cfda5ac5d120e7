// deploy/ stays true to the service: promtool accepts the scrape configuration, and every metric the Grafana dashboard queries exists.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { VARIABLES } from "../../src/config/config.ts";
import { ServiceMetrics } from "../../src/metrics/service-metrics.ts";
import { PROJECT_ROOT } from "../helpers/aggregator-process.ts";
import { promtoolCheckConfig, promtoolCheckMetrics } from "../helpers/prometheus.ts";
import { EXPECTED } from "../helpers/scripted-federation.ts";

const SCRAPE_CONFIG = join(PROJECT_ROOT, "deploy/prometheus.yml");
const GRAFANA = join(PROJECT_ROOT, "deploy/grafana-dashboard.json");

/** The exposition of a service that has published once, as the dashboard's queries would find it. */
async function exposition(): Promise<string> {
  const metrics = new ServiceMetrics({
    snapshot: () => ({
      ingest: { received: 1, accepted: 1, duplicates: 0, invalid: 0, invalidByReason: {}, rejected: 0, rejectedByReason: {}, unknownVersions: 0, slowestMessageMs: 0 },
      mode: "core", waiting: 0, consumerPending: null, dropped: 0, redelivered: 0, heapTrims: { count: 0, seconds: 0 }, youngCollections: { count: 0, seconds: 0 }, natsConnected: true, storageWritable: true,
      lastPublishAt: Date.now(), lastPublishSeenAt: Date.now(), publishReasons: [], identity: { role: "single", instanceId: "test-instance" },
    }),
    lastStats: () => ({ version: "1.0", type: "network_stats", timestamp: new Date().toISOString(), data: EXPECTED }),
  });
  metrics.batchCommitted(1);
  return metrics.exposition();
}

test("promtool accepts deploy/prometheus.yml, which scrapes the default health port", () => {
  const r = promtoolCheckConfig(SCRAPE_CONFIG);
  expect(r.output).toContain("SUCCESS");
  expect(r.code).toBe(0);
  const port = VARIABLES.find((v) => v.name === "HTTP_PORT")!.default;
  expect(readFileSync(SCRAPE_CONFIG, "utf8")).toContain(`"127.0.0.1:${port}"`);
});

test("every metric the Grafana dashboard queries is one the service exposes", async () => {
  const dashboard = JSON.parse(readFileSync(GRAFANA, "utf8")) as { panels: { title: string; targets?: { expr: string }[] }[] };
  const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
  expect(exprs.length).toBeGreaterThan(20);
  const text = await exposition();
  expect(promtoolCheckMetrics(text).problems).toBe("");
  const exposed = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
  const queried = new Set(exprs.flatMap((e) => [...e.matchAll(/\b((?:truebit|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_bucket$/, ""))));
  expect([...queried].filter((name) => !exposed.has(name))).toEqual([]);
  // Each published figure has a panel.
  for (const figure of ["active_nodes", "total_tasks", "success_rate", "cache_hit_rate", "tasks_by_chain"]) expect(queried).toContain(`truebit_network_${figure}`);
});
