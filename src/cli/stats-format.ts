// Renders a network_stats message for people: a full readable block (aggregator stats) or one summary line (the demo).
import {
  EXECUTION_TIME_BUCKETS, GAS_USED_BUCKETS, MEMORY_USED_BUCKETS, STEPS_COMPUTED_BUCKETS,
} from "../protocol/buckets.ts";
import type { NetworkStatsMessage } from "../protocol/stats-message.ts";

const MAX_ENTRIES = 10;

/** Bucket families in their natural order; free-form values (chains, types, places) by count, largest first. */
function distribution(values: Record<string, number>, order?: readonly string[]): string {
  const entries = Object.entries(values);
  if (entries.length === 0) return "(none yet)";
  const rank = (k: string) => (order?.includes(k) ? order.indexOf(k) : Infinity);
  entries.sort(([ka, a], [kb, b]) => (order ? rank(ka) - rank(kb) : 0) || b - a || ka.localeCompare(kb));
  const shown = entries.slice(0, MAX_ENTRIES).map(([k, v]) => `${k} ${v}`).join(", ");
  return entries.length > MAX_ENTRIES ? `${shown}, and ${entries.length - MAX_ENTRIES} more` : shown;
}

export function readableStats(msg: NetworkStatsMessage, source: string): string {
  const d = msg.data;
  const rows: Array<[string, string]> = [
    ["nodes", `${d.activeNodes} active, ${d.totalNodes} seen in total`],
    ["tasks", `${d.totalTasks} in total, ${d.tasksLast24h} in the last 24 h`],
    ["finished", `${d.completedTasks} completed, ${d.failedTasks} failed, ${d.cachedTasks} from cache`],
    ["rates", `success ${d.successRate.toFixed(1)} %, cache hits ${d.cacheHitRate.toFixed(1)} %`],
    ["invoices", `${d.totalInvoices} in total, ${d.invoicesLast24h} in the last 24 h`],
    ["execution time", distribution(d.executionTimeDistribution, EXECUTION_TIME_BUCKETS)],
    ["gas used", distribution(d.gasUsageDistribution, GAS_USED_BUCKETS)],
    ["steps computed", distribution(d.stepsComputedDistribution, STEPS_COMPUTED_BUCKETS)],
    ["memory used", distribution(d.memoryUsedDistribution, MEMORY_USED_BUCKETS)],
    ["chains", distribution(d.chainDistribution)],
    ["task types", distribution(d.taskTypeDistribution)],
    ["continents", distribution(d.continentDistribution)],
    ["locations", distribution(d.locationDistribution)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return `network stats of ${msg.timestamp} from ${source}\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join("\n")}\n`;
}

/** The demo's live line: what a monitor's Network page would show, in one line. */
export function statsSummaryLine(msg: NetworkStatsMessage): string {
  const d = msg.data;
  const time = msg.timestamp.slice(11, 19);
  return `${time}  nodes ${d.activeNodes}/${d.totalNodes} active  tasks ${d.totalTasks} (${d.completedTasks} ok, ${d.failedTasks} failed, ${d.cachedTasks} cached)  success ${d.successRate.toFixed(1)}%  invoices ${d.totalInvoices}`;
}
