// Wires the service together: storage -> state, NATS -> pipeline, timer -> publisher, HTTP health; and shuts it down in order.
import type { Config } from "../config/config.ts";
import { Admission } from "../core/admission.ts";
import { IngestMetrics } from "../core/ingest-metrics.ts";
import { NetworkState } from "../core/network-state.ts";
import { createHttpApp, type HealthSource, type Readiness } from "../http/app.ts";
import { serveHttp, type HttpServer } from "../http/serve.ts";
import type { Logger } from "../log/logger.ts";
import { NatsConnectionKeeper } from "../nats/connection.ts";
import type { IngestSource, IngestStatus } from "../nats/ingest-source.ts";
import { openIngest } from "../nats/open-ingest.ts";
import { AggregatorStore } from "../storage/aggregator-store.ts";
import { IngestPipeline } from "./ingest-pipeline.ts";
import { StatsPublisher } from "./stats-publisher.ts";

export interface RunningAggregator {
  httpPort: number;
  /** Stops taking messages, commits what was taken, drains NATS, closes the database. */
  stop(): Promise<void>;
}

/** Each of the two drains (ingest, connection) gets this long; together they stay inside the 4.5 s exit deadline. */
const SHUTDOWN_DRAIN_MS = 1500;

export async function startAggregator(config: Config, log: Logger): Promise<RunningAggregator> {
  const store = await AggregatorStore.open(config.dbPath, { log });
  const started = Date.now();
  const state = new NetworkState(store.restore(started, config.recentWindowMs, config.activeWindowMs), config.recentWindowMs);
  log.info("database opened", {
    path: config.dbPath, driver: store.driver, totalTasks: state.counters.total("tasks"),
    totalInvoices: state.counters.total("invoices"), totalNodes: state.counters.total("nodes"),
  });

  const metrics = new IngestMetrics();
  const admission = new Admission(config.limits, (nodeId) => state.nodes.has(nodeId) || store.node(nodeId) !== undefined);
  const pipeline = new IngestPipeline(store, state, metrics, log, admission);
  let keeper: NatsConnectionKeeper;
  const publisher = new StatsPublisher(state, store, pipeline, metrics, (s, p) => keeper.publish(s, p), log, {
    activeWindowMs: config.activeWindowMs,
    retentionDays: config.retentionDays,
    minNodesPerBucket: config.limits.minNodesPerBucket,
  });
  let source: IngestSource | null = null;
  let ingestStatus: IngestStatus | null = null;
  keeper = new NatsConnectionKeeper(config.nats, log, async (nc) => {
    source = null;
    source = await openIngest(nc, config, keeper.state, (subject, payload, at, ack, seq) => pipeline.accept(subject, payload, at, ack, seq), log);
    ingestStatus = await source.status();
    publisher.publishNow();
  });
  const refreshIngestStatus = () => {
    void source?.status().then((s) => (ingestStatus = s), () => undefined);
  };

  const health: HealthSource = {
    readiness(now): Readiness {
      const reasons: string[] = [];
      if (!keeper.state.connected) reasons.push("not connected to NATS");
      if (!pipeline.storage.writable) reasons.push("database not writable");
      const last = publisher.lastPublishedAt;
      if (last === null) reasons.push("nothing published yet");
      else if (now - last > 2 * config.publishIntervalMs) reasons.push("last publish is older than two intervals");
      return {
        ready: reasons.length === 0,
        reasons,
        nats: { connected: keeper.state.connected, server: keeper.state.server, lastError: keeper.state.lastError },
        database: { writable: pipeline.storage.writable, lastError: pipeline.storage.lastError, driver: store.driver },
        lastPublishAt: last === null ? null : new Date(last).toISOString(),
        ingest: ingestStatus,
        waiting: pipeline.pending,
      };
    },
    metrics: () => {
      const mem = process.memoryUsage();
      return {
        ingest: metrics.total(), mode: ingestStatus, waiting: pipeline.pending, dropped: pipeline.dropped, redelivered: pipeline.redelivered,
        nodesInMemory: state.nodes.size, rateLimitedNodesTracked: admission.trackedNodes,
        memory: { heapUsedBytes: mem.heapUsed, rssBytes: mem.rss }, uptimeMs: Date.now() - started,
      };
    },
    lastStats: () => publisher.lastMessage,
  };

  let http: HttpServer;
  try {
    http = await serveHttp(createHttpApp(health).fetch, config.httpHost, config.httpPort);
  } catch (err) {
    store.close();
    throw new Error(`HTTP_HOST/HTTP_PORT: cannot listen on ${config.httpHost}:${config.httpPort}: ${(err as Error).message}`);
  }
  log.info("health endpoint listening", { url: `http://${config.httpHost}:${http.port}` });

  keeper.start();
  const timer = setInterval(() => {
    publisher.tick({
      mode: ingestStatus?.mode, pending: ingestStatus?.pending, lastAckedSeq: ingestStatus?.lastAckedSeq,
      disconnects: keeper.state.disconnects || undefined, disconnectedMs: keeper.state.disconnectedMs || undefined,
    });
    refreshIngestStatus();
    // Silent nodes and full rate buckets leave memory; storage keeps what totals need.
    const now = Date.now();
    state.evictSilent(now, config.activeWindowMs);
    admission.forgetIdle(now);
  }, config.publishIntervalMs);

  let stopping: Promise<void> | null = null;
  return {
    httpPort: http.port,
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        // Stop taking messages first: those already delivered are committed (and acked) below.
        // Disconnected, there is nothing in flight to wait for.
        const stopping = source?.stop();
        if (keeper.state.connected) await Promise.race([stopping, new Promise((r) => setTimeout(r, SHUTDOWN_DRAIN_MS))]);
        const stored = pipeline.close();
        await keeper.stop(SHUTDOWN_DRAIN_MS);
        if (!stored) log.error("shutting down with messages that could not be stored", { waiting: pipeline.pending, path: config.dbPath });
        store.close();
        await http.close();
        log.info("stopped", { committedTotalTasks: state.counters.total("tasks") });
      })();
      return stopping;
    },
  };
}
