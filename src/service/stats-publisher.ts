// On each tick: commit what arrived, build the stats message, publish it, record it in history, prune, log a summary.
import { buildNetworkStats } from "../core/network-stats.ts";
import type { IngestMetrics } from "../core/ingest-metrics.ts";
import { DAY_MS, type NetworkState } from "../core/network-state.ts";
import type { LogFields, Logger } from "../log/logger.ts";
import type { NetworkStatsMessage } from "../protocol/stats-message.ts";
import { STATS_SUBJECT } from "../protocol/subjects.ts";
import type { AggregatorStore } from "../storage/aggregator-store.ts";
import type { IngestPipeline } from "./ingest-pipeline.ts";

export interface StatsPublisherOptions {
  activeWindowMs: number;
  retentionDays: number;
  minNodesPerBucket: number;
}

/**
 * Something that can send a message now, or say it cannot (false), or that it is not this
 * instance's to send ("withheld": a standby, which still keeps its history as the leader would).
 */
export interface Publish {
  (subject: string, payload: string): boolean | "withheld";
}

const PRUNE_BUDGET_MS = 50;

/** Told how long each step of a publish took (the metrics module listens). */
export interface PublishTimings {
  built(ms: number): void;
  /** Sending plus recording in history and pruning. */
  published(ms: number): void;
}

export class StatsPublisher {
  lastPublishedAt: number | null = null;
  lastMessage: NetworkStatsMessage | null = null;
  timings?: PublishTimings;

  constructor(
    private readonly state: NetworkState,
    private readonly store: AggregatorStore,
    private readonly pipeline: IngestPipeline,
    private readonly metrics: IngestMetrics,
    private readonly publish: Publish,
    private readonly log: Logger,
    private readonly opts: StatsPublisherOptions,
  ) {}

  /** Publishes the current figures; answers false when not sent (disconnected: nothing recorded; a standby: recorded, not sent). */
  publishNow(now = Date.now()): boolean {
    // Stats include everything received so far, so a message never reflects half a batch.
    const flushed = this.pipeline.flush();
    const building = performance.now();
    const msg = buildNetworkStats(this.state, now, { activeWindowMs: this.opts.activeWindowMs, minNodesPerBucket: this.opts.minNodesPerBucket });
    const sending = performance.now();
    this.timings?.built(sending - building);
    const sent = this.publish(STATS_SUBJECT, JSON.stringify(msg));
    if (sent === false) return false;
    if (sent === true) this.lastPublishedAt = now;
    this.lastMessage = msg;
    try {
      this.store.recordStats(msg, now);
      this.prune(now);
      // Healthy only if the batches went through too: the history row alone proves little.
      if (flushed) this.pipeline.storageRecovered();
    } catch (err) {
      this.pipeline.storageFailed(err);
    }
    if (sent === true) this.timings?.published(performance.now() - sending);
    return sent === true;
  }

  /** The periodic job: publish, then one summary line for the interval (with the caller's ingest fields). */
  tick(ingestFields: LogFields = {}, now = Date.now()): void {
    const published = this.publishNow(now);
    const c = this.metrics.takeInterval();
    const reasons = Object.fromEntries([
      ...Object.entries(c.invalidByReason).map(([r, n]) => [`invalid.${r}`, n]),
      ...Object.entries(c.rejectedByReason).map(([r, n]) => [`rejected.${r}`, n]),
    ]);
    this.log.info("interval summary", {
      published,
      received: c.received,
      accepted: c.accepted,
      duplicates: c.duplicates,
      invalid: c.invalid,
      rejected: c.rejected || undefined,
      ...reasons,
      unknownVersions: c.unknownVersions || undefined,
      waiting: this.pipeline.pending || undefined,
      dropped: this.pipeline.dropped || undefined,
      ...ingestFields,
      totalTasks: this.lastMessage?.data.totalTasks,
      activeNodes: this.lastMessage?.data.activeNodes,
    });
  }

  private prune(now: number): void {
    const cutoff = now - this.opts.retentionDays * DAY_MS;
    const started = Date.now();
    let removed = 0;
    for (;;) {
      const n = this.store.pruneOnce(cutoff);
      removed += n;
      if (n === 0 || Date.now() - started > PRUNE_BUDGET_MS) break;
    }
    if (removed > 0) this.log.info("pruned rows past retention", { removed, retentionDays: this.opts.retentionDays });
  }
}
