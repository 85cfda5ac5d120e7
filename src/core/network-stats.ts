// Builds the published network_stats message from the in-memory state; cost depends on node count, never task count.
import type { NetworkStatsMessage } from "../protocol/stats-message.ts";
import type { NetworkState } from "./network-state.ts";

export interface StatsOptions {
  /** A node is active when its last message is younger than this and its last status is not offline. */
  activeWindowMs: number;
  /** Location/continent buckets with fewer active nodes are merged into "other" (1 = publish all). */
  minNodesPerBucket?: number;
}

/** k-anonymity for node places: buckets under k nodes are not published by name. */
function mergeSmallBuckets(buckets: Record<string, number>, k: number): Record<string, number> {
  if (k <= 1) return buckets;
  const out: Record<string, number> = {};
  for (const [bucket, n] of Object.entries(buckets)) {
    const key = n >= k ? bucket : "other";
    out[key] = (out[key] ?? 0) + n;
  }
  return out;
}

/** Percentage with one decimal; 0 when nothing finished. */
function percent(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10;
}

export function buildNetworkStats(state: NetworkState, now: number, opts: StatsOptions): NetworkStatsMessage {
  const c = state.counters;
  const completed = c.total("completed");
  const failed = c.total("failed");
  const finished = completed + failed;

  let activeNodes = 0;
  const continents: Record<string, number> = {};
  const locations: Record<string, number> = {};
  const since = now - opts.activeWindowMs;
  for (const n of state.nodes.values()) {
    if (n.lastSeen <= since || n.status === "offline") continue;
    activeNodes++;
    if (n.continent) continents[n.continent] = (continents[n.continent] ?? 0) + 1;
    if (n.location) locations[n.location] = (locations[n.location] ?? 0) + 1;
  }

  return {
    version: "1.0",
    type: "network_stats",
    timestamp: new Date(now).toISOString(),
    data: {
      activeNodes,
      totalNodes: c.total("nodes"),
      totalTasks: c.total("tasks"),
      completedTasks: completed,
      failedTasks: failed,
      cachedTasks: c.total("cached"),
      tasksLast24h: state.taskWindow.count(now),
      totalInvoices: c.total("invoices"),
      invoicesLast24h: state.invoiceWindow.count(now),
      successRate: percent(completed, finished),
      cacheHitRate: percent(c.total("cached"), finished),
      executionTimeDistribution: c.distribution("executionTime"),
      gasUsageDistribution: c.distribution("gasUsage"),
      stepsComputedDistribution: c.distribution("stepsComputed"),
      memoryUsedDistribution: c.distribution("memoryUsed"),
      chainDistribution: c.distribution("chain"),
      taskTypeDistribution: c.distribution("taskType"),
      continentDistribution: mergeSmallBuckets(continents, opts.minNodesPerBucket ?? 1),
      locationDistribution: mergeSmallBuckets(locations, opts.minNodesPerBucket ?? 1),
    },
  };
}
