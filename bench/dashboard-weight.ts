// Dashboard weight: bytes a browser transfers on a cold load of GET / (HTML, assets, first history), per file, and on a warm reload.
// The baseline is uPlot's own file, measured in the same load: the floor of any dashboard drawn with it.
//
//   bun bench/dashboard-weight.ts [--hours 24] [--tasks 2000] [--nodes 50]
//   env: BENCH_HOURS, BENCH_TASKS, BENCH_NODES, BENCH_SMOKE=1
import { join } from "node:path";
import type { NetworkStatsMessage } from "../src/protocol/stats-message.ts";
import { AggregatorStore } from "../src/storage/aggregator-store.ts";
import { AggregatorProcess, tempDir } from "../test/helpers/aggregator-process.ts";
import { TestBrowser, type RecordedRequest } from "../test/helpers/browser.ts";
import { FederationClient } from "../test/helpers/federation-client.ts";
import { groundTruth, taskTraffic } from "../test/helpers/ground-truth-traffic.ts";
import { TestNatsServer } from "../test/helpers/nats-server.ts";
import { waitFor } from "../test/helpers/wait.ts";
import { intArg } from "./lib/args.ts";
import { log, report, type Figure } from "./lib/result.ts";

const hours = intArg("hours", 24, 1);
const tasks = intArg("tasks", 2000, 200);
const nodes = intArg("nodes", 50, 10);
const PUBLISH_EVERY_MS = 30_000;

/** A day of history as a real service would have written it: one row per 30 s publish. */
async function seedHistory(dbPath: string): Promise<number> {
  const store = await AggregatorStore.open(dbPath);
  const rows = Math.floor((hours * 3600_000) / PUBLISH_EVERY_MS);
  const now = Date.now();
  store.db.exec("BEGIN");
  for (let i = 0; i < rows; i++) {
    const at = now - (rows - i) * PUBLISH_EVERY_MS;
    const total = Math.round((i / rows) * tasks);
    const data = {
      ...groundTruth(total, nodes), activeNodes: nodes - (i % 5), tasksLast24h: total, invoicesLast24h: Math.ceil(total / 5),
      successRate: 90, cacheHitRate: 25, executionTimeDistribution: {}, gasUsageDistribution: {}, stepsComputedDistribution: {},
      memoryUsedDistribution: {}, chainDistribution: {}, taskTypeDistribution: {}, continentDistribution: {}, locationDistribution: {},
    };
    store.recordStats({ version: "1.0", type: "network_stats", timestamp: new Date(at).toISOString(), data } as NetworkStatsMessage, at);
  }
  store.db.exec("COMMIT");
  store.close();
  return rows;
}

/** The first request of each URL: one page load's files, without the refreshes that follow it. */
function firstOfEach(requests: RecordedRequest[]): RecordedRequest[] {
  const seen = new Set<string>();
  return requests.filter((r) => (seen.has(r.url) ? false : (seen.add(r.url), true)));
}

const bytes = (r: RecordedRequest) => (r.bodyBytes ?? 0) + (r.headerBytes ?? 0);

const nats = await TestNatsServer.start();
const client = await FederationClient.connect(nats.url);
const dbPath = join(tempDir("bench-weight-"), "agg.db");
const historyRows = await seedHistory(dbPath);
log(`seeded ${historyRows} history rows (${hours} h of 30 s publishes)`);
// Publishes every 2 s until the traffic is in, so the page shows real distributions; the page itself is loaded between publishes.
const service = await AggregatorProcess.start({ env: { NATS_URL: nats.url, DB_PATH: dbPath, INGEST_MODE: "core", PUBLISH_INTERVAL: "2000" } });
let browser: TestBrowser | undefined;
try {
  await service.waitReady();
  await client.publish(taskTraffic(0, tasks, nodes));
  await client.nextStats((m) => m.data.totalTasks === tasks, 30_000);
  const origin = `http://127.0.0.1:${service.httpPort}`;

  browser = await TestBrowser.launch();
  await browser.page.goto(`${origin}/`, { waitUntil: "load" });
  await waitFor("the first history answer", () => browser!.requests.some((r) => r.url.includes("/api/history") && r.bodyBytes !== undefined), 15_000);
  const cold = firstOfEach(browser.requests);
  await waitFor("every response of the cold load to finish", () => cold.every((r) => r.bodyBytes !== undefined), 15_000);

  browser.requests.length = 0;
  await browser.page.reload({ waitUntil: "load" });
  await waitFor("the reload's history answer", () => browser!.requests.some((r) => r.url.includes("/api/history") && r.bodyBytes !== undefined), 15_000);
  const warm = firstOfEach(browser.requests);
  await waitFor("every response of the warm load to finish", () => warm.every((r) => r.bodyBytes !== undefined), 15_000);

  // One self-refresh of an open page (every publish interval): the page again, and only the new history.
  browser.requests.length = 0;
  await waitFor("one self-refresh", () => {
    const page = browser!.requests.find((r) => new URL(r.url).pathname === "/");
    const since = browser!.requests.find((r) => r.url.includes("/api/history?from="));
    return page?.bodyBytes !== undefined && since?.bodyBytes !== undefined;
  }, 15_000);
  const refresh = firstOfEach(browser.requests).filter((r) => new URL(r.url).pathname === "/" || r.url.includes("/api/history?from="));

  // The same files without compression: what a client that does not ask for gzip receives.
  const identity = await Promise.all(cold.map(async (r) => (await (await fetch(r.url, { headers: { "Accept-Encoding": "identity" } })).arrayBuffer()).byteLength));
  const coldTotal = cold.reduce((s, r) => s + bytes(r), 0);
  const warmTotal = warm.reduce((s, r) => s + bytes(r), 0);
  const uplot = cold.find((r) => r.url.endsWith("/uPlot.iife.min.js"));
  const figures: Figure[] = [
    ...cold.map((r, i) => ({ name: `cold: ${new URL(r.url).pathname}${new URL(r.url).search}`, value: bytes(r), unit: `bytes (${identity[i]} uncompressed)` })),
    { name: "cold load, total", value: coldTotal, unit: "bytes" },
    { name: "cold load, bodies without compression", value: identity.reduce((s, n) => s + n, 0), unit: "bytes" },
    { name: "cold load / uPlot alone (baseline)", value: uplot ? Number((coldTotal / bytes(uplot)).toFixed(2)) : null, unit: "×" },
    { name: "warm reload (assets revalidated, 304)", value: warmTotal, unit: "bytes" },
    { name: "one self-refresh (page + new history)", value: refresh.reduce((s, r) => s + bytes(r), 0), unit: "bytes" },
    { name: "requests on a cold load", value: cold.length, unit: "" },
  ];
  const elsewhere = browser.requests.concat(cold).filter((r) => new URL(r.url).origin !== origin);
  report({
    bench: "dashboard-weight",
    params: { hours, historyRows, tasks, nodes, chromium: browser.page.context().browser()?.version() ?? "chromium" },
    figures,
    notes: [`bytes = response body as transferred + response headers (playwright Request.sizes()); gzip by the service (hono/compress) when the browser asks`,
      `requests outside the origin: ${elsewhere.length}`],
  });
} finally {
  await browser?.close();
  await service.stop("SIGTERM");
  await client.close();
  await nats.dispose();
}
