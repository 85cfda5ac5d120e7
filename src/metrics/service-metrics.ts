// The Prometheus registry: ingest counters, pipeline state, timings, process metrics and every published figure, read at scrape time.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { NetworkStats } from "../protocol/stats-message.ts";
import { VERSION } from "../version.ts";
import {
  boundedDistribution, boundedReasons, CLOSED_BUCKETS, INVALID_REASONS, REJECTED_REASONS,
} from "./label-bounds.ts";
import { ROLES } from "../cluster/role.ts";
import type { MetricsSource, ServiceSnapshot } from "./metrics-source.ts";

/** Published figures as gauges: metric name, help, field of the stats message. */
const FIGURES: readonly [string, string, keyof NetworkStats][] = [
  ["truebit_network_active_nodes", "Nodes heard from within the active window and not offline", "activeNodes"],
  ["truebit_network_total_nodes", "Distinct nodeIds ever seen", "totalNodes"],
  ["truebit_network_total_tasks", "Distinct tasks (taskIdHash) ever seen", "totalTasks"],
  ["truebit_network_completed_tasks", "Distinct tasks reported successful", "completedTasks"],
  ["truebit_network_failed_tasks", "Distinct tasks reported failed", "failedTasks"],
  ["truebit_network_cached_tasks", "Distinct finished tasks reported cached", "cachedTasks"],
  ["truebit_network_tasks_last_24h", "Distinct tasks first seen in the last 24 hours", "tasksLast24h"],
  ["truebit_network_total_invoices", "Distinct invoices ever seen", "totalInvoices"],
  ["truebit_network_invoices_last_24h", "Distinct invoices first seen in the last 24 hours", "invoicesLast24h"],
  ["truebit_network_success_rate", "Completed / (completed + failed) in percent, as published", "successRate"],
  ["truebit_network_cache_hit_rate", "Cached / (completed + failed) in percent, as published", "cacheHitRate"],
];

/** Distributions as labelled gauges: metric name, label, help, field of the stats message. */
const DISTRIBUTIONS: readonly [string, string, string, keyof NetworkStats][] = [
  ["truebit_network_tasks_by_chain", "chain", "Distinct tasks by chain id (largest 20, the rest as \"other\")", "chainDistribution"],
  ["truebit_network_tasks_by_type", "task_type", "Distinct tasks by task type (largest 20, the rest as \"other\")", "taskTypeDistribution"],
  ["truebit_network_tasks_by_execution_time", "bucket", "Distinct finished tasks by execution time bucket", "executionTimeDistribution"],
  ["truebit_network_tasks_by_gas_used", "bucket", "Distinct finished tasks by gas used bucket", "gasUsageDistribution"],
  ["truebit_network_invoices_by_steps_computed", "bucket", "Distinct invoices by steps computed bucket", "stepsComputedDistribution"],
  ["truebit_network_invoices_by_memory_used", "bucket", "Distinct invoices by memory used bucket", "memoryUsedDistribution"],
  ["truebit_network_nodes_by_continent", "continent", "Active nodes by continent", "continentDistribution"],
  ["truebit_network_nodes_by_location", "location", "Active nodes by \"lat,lon\" location bucket (largest 20, the rest as \"other\")", "locationDistribution"],
];

// Default process metrics that are gauges named *_total: promtool's lint refuses them.
const LINT_FAILING_DEFAULTS = ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"];

const COMMIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const STATS_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** A counter whose value is read from the service at scrape time (a lifetime count the service already keeps). */
function readCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name, help, registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

function readGauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
}

export class ServiceMetrics {
  readonly registry = new Registry();
  /** The published figures: exposed only once there is a published message, so "none yet" is absent, not 0. */
  private readonly network = new Registry();
  private readonly batchCommit: Histogram;
  private readonly statsBuild: Histogram;
  private readonly statsPublish: Histogram;
  private readonly current: { snap: ServiceSnapshot };

  constructor(private readonly source: MetricsSource) {
    const r = this.registry;
    collectDefaultMetrics({ register: r });
    for (const name of LINT_FAILING_DEFAULTS) r.removeSingleMetric(name);

    // One snapshot per scrape (taken in exposition()): every collect() below reads the same instant.
    const current = { snap: source.snapshot() };
    this.current = current;
    const view = () => current.snap;
    new Gauge({
      name: "truebit_aggregator_info", help: "Constant 1, labelled with the version and the instance id",
      labelNames: ["version", "instance_id"], registers: [r],
      collect() {
        this.reset();
        this.set({ version: VERSION, instance_id: view().identity.instanceId }, 1);
      },
    });
    readCounter(r, "truebit_aggregator_messages_received_total", "Inbound messages received", () => view().ingest.received);
    readCounter(r, "truebit_aggregator_messages_accepted_total", "Valid messages committed that changed something", () => view().ingest.accepted);
    readCounter(r, "truebit_aggregator_messages_duplicate_total", "Valid messages committed that changed nothing (repeats)", () => view().ingest.duplicates);
    for (const [kind, known, help] of [
      ["invalid", INVALID_REASONS, "Messages refused by validation, by decoder reason (unknown reasons as \"other\")"],
      ["rejected", REJECTED_REASONS, "Valid messages refused by a limit, by reason"],
    ] as const) {
      new Counter({
        name: `truebit_aggregator_messages_${kind}_total`, help, labelNames: ["reason"], registers: [r],
        collect() {
          this.reset();
          const byReason = kind === "invalid" ? view().ingest.invalidByReason : view().ingest.rejectedByReason;
          for (const [reason, n] of boundedReasons(byReason, known)) this.inc({ reason }, n);
        },
      });
    }
    readCounter(r, "truebit_aggregator_messages_unknown_version_total", "Valid messages with an envelope version other than 1.0", () => view().ingest.unknownVersions);
    readCounter(r, "truebit_aggregator_messages_dropped_total", "Messages not taken because storage failed and the backlog was full", () => view().dropped);
    readCounter(r, "truebit_aggregator_messages_redelivered_total", "JetStream redeliveries of messages still held", () => view().redelivered);
    readCounter(r, "truebit_aggregator_heap_trims_total", "Full garbage collections asked for between batches (HEAP_TRIM_MB)", () => view().heapTrims.count);
    readCounter(r, "truebit_aggregator_heap_trim_seconds_total", "Time spent in those collections", () => view().heapTrims.seconds);
    readCounter(r, "truebit_aggregator_young_collections_total", "Young-generation collections asked for between batches, one every few thousand messages committed (HEAP_TRIM_MB)", () => view().youngCollections.count);
    readCounter(r, "truebit_aggregator_young_collection_seconds_total", "Time spent in those collections", () => view().youngCollections.seconds);

    readGauge(r, "truebit_aggregator_messages_waiting", "Valid messages held for the next commit", () => view().waiting);
    readGauge(r, "truebit_aggregator_consumer_pending", "JetStream consumer backlog (undelivered plus unacked); 0 in core mode", () => view().consumerPending ?? 0);
    readGauge(r, "truebit_aggregator_storage_writable", "1 when the last database write succeeded", () => (view().storageWritable ? 1 : 0));
    readGauge(r, "truebit_aggregator_nats_connected", "1 while connected to NATS", () => (view().natsConnected ? 1 : 0));
    readGauge(r, "truebit_aggregator_last_publish_timestamp_seconds", "Time of the last published stats message; 0 before the first", () => (view().lastPublishAt ?? 0) / 1000);
    new Gauge({
      name: "truebit_aggregator_ingest_mode", help: "1 for the ingest mode in use", labelNames: ["mode"], registers: [r],
      collect() {
        this.reset();
        for (const mode of ["core", "jetstream"]) this.set({ mode }, view().mode === mode ? 1 : 0);
      },
    });
    new Gauge({
      name: "truebit_aggregator_role", help: "1 for this instance's role: leader, standby, or single (no election)", labelNames: ["role"], registers: [r],
      collect() {
        this.reset();
        const role = view().identity.role;
        for (const each of ROLES) this.set({ role: each }, each === role ? 1 : 0);
      },
    });

    this.batchCommit = new Histogram({ name: "truebit_aggregator_batch_commit_duration_seconds", help: "Time to commit one batch to SQLite", buckets: COMMIT_BUCKETS, registers: [r] });
    this.statsBuild = new Histogram({ name: "truebit_aggregator_stats_build_duration_seconds", help: "Time to build one stats message from memory", buckets: STATS_BUCKETS, registers: [r] });
    this.statsPublish = new Histogram({ name: "truebit_aggregator_stats_publish_duration_seconds", help: "Time to send one stats message and record it in history", buckets: STATS_BUCKETS, registers: [r] });

    const n = this.network;
    for (const [name, help, field] of FIGURES) {
      readGauge(n, name, `${help} (last published message)`, () => (source.lastStats()?.data[field] as number | undefined) ?? 0);
    }
    for (const [name, label, help, field] of DISTRIBUTIONS) {
      const closed = (CLOSED_BUCKETS as Record<string, ReadonlySet<string>>)[field];
      new Gauge({
        name, help, labelNames: [label], registers: [n],
        collect() {
          this.reset();
          const dist = source.lastStats()?.data[field] as Record<string, number> | undefined;
          for (const [key, n] of boundedDistribution(dist ?? {}, closed)) this.set({ [label]: key }, n);
        },
      });
    }
  }

  batchCommitted(ms: number): void {
    this.batchCommit.observe(ms / 1000);
  }

  statsBuilt(ms: number): void {
    this.statsBuild.observe(ms / 1000);
  }

  statsPublished(ms: number): void {
    this.statsPublish.observe(ms / 1000);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text of one scrape. */
  async exposition(): Promise<string> {
    this.current.snap = this.source.snapshot();
    const service = await this.registry.metrics();
    return this.source.lastStats() ? `${service}\n${await this.network.metrics()}` : service;
  }
}
