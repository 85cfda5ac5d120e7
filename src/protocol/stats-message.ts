// The outbound truebit.stats.aggregated message, as monitors parse it.
import { z } from "zod";

const distribution = z.record(z.string(), z.number().int().nonnegative());
const figure = z.number().int().nonnegative();

export const networkStatsMessageSchema = z.object({
  version: z.literal("1.0"),
  type: z.literal("network_stats"),
  timestamp: z.string(),
  data: z.object({
    activeNodes: figure,
    totalNodes: figure,
    totalTasks: figure,
    completedTasks: figure,
    failedTasks: figure,
    cachedTasks: figure,
    tasksLast24h: figure,
    totalInvoices: figure,
    invoicesLast24h: figure,
    successRate: z.number().min(0).max(100),
    cacheHitRate: z.number().min(0).max(100),
    executionTimeDistribution: distribution,
    gasUsageDistribution: distribution,
    stepsComputedDistribution: distribution,
    memoryUsedDistribution: distribution,
    chainDistribution: distribution,
    taskTypeDistribution: distribution,
    continentDistribution: distribution,
    locationDistribution: distribution,
  }),
});

export type NetworkStatsMessage = z.infer<typeof networkStatsMessageSchema>;
export type NetworkStats = NetworkStatsMessage["data"];
