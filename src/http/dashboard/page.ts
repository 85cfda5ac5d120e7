// The dashboard's HTML: every current figure, the distributions, the map and the service's health as text; charts are filled in by the script.
import type { ServiceSnapshot } from "../../metrics/metrics-source.ts";
import {
  EXECUTION_TIME_BUCKETS, GAS_USED_BUCKETS, MEMORY_USED_BUCKETS, STEPS_COMPUTED_BUCKETS,
} from "../../protocol/buckets.ts";
import type { NetworkStats, NetworkStatsMessage } from "../../protocol/stats-message.ts";
import { escapeHtml } from "./html.ts";
import { CONTINENT_NAMES, worldMapSvg } from "./world-map.ts";

export interface DashboardView {
  stats: NetworkStatsMessage | null;
  service: ServiceSnapshot;
  version: string;
  refreshMs: number;
  now: number;
}

/** Free-form distributions show this many bars; the rest is one "other" bar. */
const FREE_BARS = 8;

const FIGURES: readonly [keyof NetworkStats, string, "count" | "percent"][] = [
  ["activeNodes", "Active nodes", "count"],
  ["totalNodes", "Nodes seen", "count"],
  ["totalTasks", "Tasks", "count"],
  ["tasksLast24h", "Tasks, last 24 h", "count"],
  ["completedTasks", "Completed", "count"],
  ["failedTasks", "Failed", "count"],
  ["cachedTasks", "Cached", "count"],
  ["successRate", "Success rate", "percent"],
  ["cacheHitRate", "Cache-hit rate", "percent"],
  ["totalInvoices", "Invoices", "count"],
  ["invoicesLast24h", "Invoices, last 24 h", "count"],
];

const DISTRIBUTIONS: readonly [keyof NetworkStats, string, readonly string[] | null][] = [
  ["executionTimeDistribution", "Execution time", EXECUTION_TIME_BUCKETS],
  ["gasUsageDistribution", "Gas used", GAS_USED_BUCKETS],
  ["stepsComputedDistribution", "Steps computed", STEPS_COMPUTED_BUCKETS],
  ["memoryUsedDistribution", "Memory used", MEMORY_USED_BUCKETS],
  ["chainDistribution", "Chain", null],
  ["taskTypeDistribution", "Task type", null],
];

export const CHARTS: readonly { id: string; title: string }[] = [
  { id: "active-nodes", title: "Active nodes" },
  { id: "new-tasks", title: "New tasks per interval" },
  { id: "success-rate", title: "Success rate (%)" },
  { id: "cache-hit-rate", title: "Cache-hit rate (%)" },
];

const count = (n: number) => n.toLocaleString("en-US");
const percent = (n: number) => `${n.toFixed(1)} %`;

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

function figures(stats: NetworkStats | null): string {
  return FIGURES.map(([key, label, kind]) => {
    const v = stats ? (stats[key] as number) : null;
    const text = v === null ? "–" : kind === "percent" ? percent(v) : count(v);
    return `<div class="figure"><dt>${label}</dt><dd data-figure="${key}">${text}</dd></div>`;
  }).join("");
}

/** Bars in a fixed order for closed bucket sets, by size for free-form values (capped, with "other"). */
function barEntries(dist: Record<string, number>, order: readonly string[] | null): [string, number][] {
  if (order) {
    const known = order.filter((k) => (dist[k] ?? 0) > 0).map((k): [string, number] => [k, dist[k]!]);
    const rest = Object.entries(dist).filter(([k]) => !order.includes(k)).reduce((s, [, n]) => s + n, 0);
    return rest > 0 ? [...known, ["other", rest]] : known;
  }
  const ranked = Object.entries(dist).filter(([, n]) => n > 0).sort(([ka, a], [kb, b]) => b - a || ka.localeCompare(kb));
  if (ranked.length <= FREE_BARS) return ranked;
  const rest = ranked.slice(FREE_BARS - 1).reduce((s, [, n]) => s + n, 0);
  return [...ranked.slice(0, FREE_BARS - 1), ["other", rest]];
}

function bars(title: string, entries: [string, number][]): string {
  const max = Math.max(1, ...entries.map(([, n]) => n));
  const rows = entries.length === 0
    ? `<p class="empty">nothing yet</p>`
    : `<table class="bars">${entries.map(([label, n]) =>
      `<tr><th scope="row" title="${escapeHtml(label)}">${escapeHtml(label)}</th>` +
      `<td class="bar"><svg viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"><rect width="${((n / max) * 100).toFixed(2)}" height="10"/></svg></td>` +
      `<td class="n">${count(n)}</td></tr>`).join("")}</table>`;
  return `<section class="dist"><h3>${title}</h3>${rows}</section>`;
}

function distributions(stats: NetworkStats | null): string {
  return DISTRIBUTIONS.map(([key, title, order]) => bars(title, barEntries((stats?.[key] as Record<string, number>) ?? {}, order))).join("");
}

function places(stats: NetworkStats | null): string {
  const continents = stats?.continentDistribution ?? {};
  const locations = stats?.locationDistribution ?? {};
  const named = Object.entries(continents).sort(([, a], [, b]) => b - a)
    .map(([code, n]) => `<li><span>${escapeHtml(CONTINENT_NAMES[code] ?? (code === "other" ? "Other (small groups)" : code))}</span><b>${count(n)}</b></li>`);
  const unplaced = (stats?.activeNodes ?? 0) - Object.values(continents).reduce((s, n) => s + n, 0);
  if (unplaced > 0) named.push(`<li><span>No place reported</span><b>${count(unplaced)}</b></li>`);
  return `${worldMapSvg(continents, locations)}<ul class="legend">${named.join("") || "<li><span>No active nodes</span></li>"}</ul>`;
}

function pill(label: string, value: string, state: "ok" | "warn" | "bad" | "info"): string {
  return `<div class="pill ${state}"><span>${label}</span><b>${escapeHtml(value)}</b></div>`;
}

function health(v: DashboardView): string {
  const s = v.service;
  const role = s.identity.role;
  const backlog = s.consumerPending === null ? `${count(s.waiting)} waiting` : `${count(s.waiting)} waiting · ${count(s.consumerPending)} in stream`;
  return [
    pill("Role", `${role} (${s.identity.instanceId})`, role === "standby" ? "info" : "ok"),
    pill("NATS", s.natsConnected ? `connected${s.mode ? ` · ${s.mode}` : ""}` : "disconnected", s.natsConnected ? "ok" : "bad"),
    pill("Storage", s.storageWritable ? "writable" : "not writable", s.storageWritable ? "ok" : "bad"),
    pill("Backlog", backlog, s.waiting + (s.consumerPending ?? 0) > 10_000 ? "warn" : "ok"),
    // The readiness rule: a standby watches the leader's publishes, a publisher its own.
    pill("Published", s.lastPublishSeenAt === null ? "not yet" : `${role === "standby" ? "by the leader, " : ""}${ago(v.now - s.lastPublishSeenAt)}`,
      s.publishReasons.length === 0 ? "ok" : "warn"),
  ].join("");
}

export function renderDashboard(v: DashboardView): string {
  const data = v.stats?.data ?? null;
  const asOf = v.stats ? `as of ${v.stats.timestamp.replace("T", " ").replace(/\.\d+Z$/, " UTC")}` : "nothing published yet";
  const config = JSON.stringify({ refreshMs: v.refreshMs, charts: CHARTS.map((c) => c.id) }).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TrueBit Federation · Aggregator</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/uPlot.min.css">
<link rel="stylesheet" href="/assets/dashboard.css">
<script type="application/json" id="dashboard-config">${config}</script>
<script src="/assets/uPlot.iife.min.js" defer></script>
<script src="/assets/dashboard.js" defer></script>
</head>
<body>
<header>
  <div class="brand"><h1>TrueBit Federation</h1><p>Network statistics · aggregator ${escapeHtml(v.version)}</p></div>
  <div class="health" data-live="health" aria-label="Service health">${health(v)}</div>
</header>
<main>
  <section class="card">
    <div class="card-head"><h2>Network now</h2><p class="as-of" data-live="as-of">${escapeHtml(asOf)}</p></div>
    <dl class="figures" data-live="figures">${figures(data)}</dl>
  </section>
  <section class="card">
    <div class="card-head"><h2>History</h2><p class="as-of" id="history-range">last 24 h</p></div>
    <div class="charts">${CHARTS.map((c) => `<figure class="chart"><figcaption>${c.title}</figcaption><div class="plot" id="chart-${c.id}"></div></figure>`).join("")}</div>
    <noscript><p class="empty">Charts need JavaScript; the figures above and <a href="/api/history">/api/history</a> do not.</p></noscript>
  </section>
  <div class="columns">
    <section class="card">
      <div class="card-head"><h2>Distributions</h2></div>
      <div class="dists" data-live="distributions">${distributions(data)}</div>
    </section>
    <section class="card">
      <div class="card-head"><h2>Where active nodes are</h2></div>
      <div class="places" data-live="places">${places(data)}</div>
    </section>
  </div>
</main>
<footer>Refreshes every ${v.refreshMs >= 1000 ? `${Math.round(v.refreshMs / 1000)} s` : `${v.refreshMs} ms`} · <a href="/api/stats">/api/stats</a> · <a href="/api/history">/api/history</a> · <a href="/api/status">/api/status</a> · <a href="/metrics">/metrics</a></footer>
</body>
</html>
`;
}
