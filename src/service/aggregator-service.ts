// Wires the service together: storage -> state, NATS -> pipeline, timer -> publisher (when this instance leads), HTTP health, metrics and dashboard; and shuts it down in order.
import { ClusterRole } from "../cluster/cluster-role.ts";
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
import type { ServiceIdentity, ServiceSnapshot } from "../metrics/metrics-source.ts";
import { ServiceMetrics } from "../metrics/service-metrics.ts";
import { AggregatorStore } from "../storage/aggregator-store.ts";
import { lockDatabase } from "../storage/database-lock.ts";
import { HistoryQuery } from "../storage/history-query.ts";
import { createHeapTrim } from "./heap-trim.ts";
import { IngestPipeline } from "./ingest-pipeline.ts";
import { StatsPublisher } from "./stats-publisher.ts";

export interface RunningAggregator {
  httpPort: number;
  /** Stops taking messages, commits what was taken, drains NATS, closes the database. */
  stop(): Promise<void>;
}

/** Each of the two drains (ingest, connection) gets this long; together they stay inside the 4.5 s exit deadline. */
const SHUTDOWN_DRAIN_MS = 1500;
/** Giving the lease back comes first and gets this long, leaving the drains their time. */
const LEASE_RELEASE_MS = 1000;

export async function startAggregator(config: Config, log: Logger): Promise<RunningAggregator> {
  // Before the database is opened: a refused second process leaves the file as it found it.
  const lock = await lockDatabase(config.dbPath);
  const store = await AggregatorStore.open(config.dbPath, { log }).catch((err: unknown) => {
    lock.release();
    throw err;
  });
  const started = Date.now();
  const identity = store.instanceIdentity(config.cluster.instanceId);
  const state = new NetworkState(store.restore(started, config.recentWindowMs, config.activeWindowMs), config.recentWindowMs);
  log.info("database opened", {
    path: config.dbPath, driver: store.driver, totalTasks: state.counters.total("tasks"),
    totalInvoices: state.counters.total("invoices"), totalNodes: state.counters.total("nodes"),
    instance: identity.id, instanceFrom: identity.source,
  });

  const metrics = new IngestMetrics();
  const admission = new Admission(config.limits, (nodeId) => state.nodes.has(nodeId) || store.node(nodeId) !== undefined);
  const pipeline = new IngestPipeline(store, state, metrics, log, admission);
  const heapTrim = await createHeapTrim(config.heapTrimBytes);
  pipeline.onFlushed = (messages) => heapTrim.check(messages);
  let keeper: NatsConnectionKeeper;
  const cluster = new ClusterRole({
    instanceId: identity.id, leaseMs: config.cluster.leaseMs, replicas: config.jetstream.replicas,
    publishIntervalMs: config.publishIntervalMs, coreOnly: config.ingestMode === "core", log, onLeader: () => publisher.publishNow(),
  });
  const publish = (subject: string, payload: string): boolean | "withheld" => {
    if (!keeper.state.connected) return false;
    // The lease is checked in the same synchronous step as the send: nothing can pause between them.
    const gate = cluster.gate();
    return gate === true ? keeper.publish(subject, payload, { headers: cluster.headers }) : gate;
  };
  const publisher = new StatsPublisher(state, store, pipeline, metrics, publish, log, {
    activeWindowMs: config.activeWindowMs,
    retentionDays: config.retentionDays,
    minNodesPerBucket: config.limits.minNodesPerBucket,
  });
  let source: IngestSource | null = null;
  let ingestStatus: IngestStatus | null = null;
  keeper = new NatsConnectionKeeper(config.nats, log, async (nc) => {
    source = null;
    source = await openIngest(nc, config, identity.id, keeper.state, (subject, payload, at, ack, seq) => pipeline.accept(subject, payload, at, ack, seq), log);
    ingestStatus = await source.status();
    const before = publisher.lastPublishedAt;
    await cluster.attach(nc, source.mode);
    // Becoming the leader already published (onLeader); otherwise publish now (a standby records it).
    if (publisher.lastPublishedAt === before) publisher.publishNow();
  });
  const refreshIngestStatus = () => {
    void source?.status().then((s) => (ingestStatus = s), () => undefined);
  };

  const serviceIdentity = (): ServiceIdentity => ({ role: cluster.role, instanceId: identity.id });
  const history = new HistoryQuery(store.db);
  const snapshot = (): ServiceSnapshot => ({
    ingest: metrics.total(), mode: ingestStatus?.mode ?? null, waiting: pipeline.pending,
    consumerPending: ingestStatus?.mode === "jetstream" ? (ingestStatus.pending ?? null) : null,
    dropped: pipeline.dropped, redelivered: pipeline.redelivered,
    heapTrims: { count: heapTrim.collections, seconds: heapTrim.collectingMs / 1000 },
    youngCollections: { count: heapTrim.youngCollections, seconds: heapTrim.youngCollectingMs / 1000 },
    natsConnected: keeper.state.connected, storageWritable: pipeline.storage.writable,
    lastPublishAt: publisher.lastPublishedAt, lastPublishSeenAt: cluster.lastPublishSeen(publisher.lastPublishedAt),
    publishReasons: cluster.publishReasons(Date.now(), publisher.lastPublishedAt), identity: serviceIdentity(),
  });

  const health: HealthSource = {
    publishIntervalMs: config.publishIntervalMs,
    snapshot,
    history: (range) => history.read(range),
    readiness(now): Readiness {
      const reasons: string[] = [];
      if (!keeper.state.connected) reasons.push("not connected to NATS");
      if (!pipeline.storage.writable) reasons.push("database not writable");
      const last = publisher.lastPublishedAt;
      const role = cluster.status();
      reasons.push(...cluster.publishReasons(now, last));
      return {
        ready: reasons.length === 0,
        reasons,
        ...role,
        nats: { connected: keeper.state.connected, server: keeper.state.server, lastError: keeper.state.lastError },
        database: { writable: pipeline.storage.writable, lastError: pipeline.storage.lastError, driver: store.driver },
        lastPublishAt: last === null ? null : new Date(last).toISOString(),
        ingest: ingestStatus,
        waiting: pipeline.pending,
      };
    },
    status: () => {
      const mem = process.memoryUsage();
      return {
        ...cluster.status(),
        ingest: metrics.total(), mode: ingestStatus, waiting: pipeline.pending, dropped: pipeline.dropped, redelivered: pipeline.redelivered,
        nodesInMemory: state.nodes.size, rateLimitedNodesTracked: admission.trackedNodes,
        memory: { heapUsedBytes: mem.heapUsed, rssBytes: mem.rss, heapTrims: heapTrim.collections, heapTrimMs: Math.round(heapTrim.collectingMs), youngCollections: heapTrim.youngCollections, youngCollectionMs: Math.round(heapTrim.youngCollectingMs) }, uptimeMs: Date.now() - started,
      };
    },
    lastStats: () => publisher.lastMessage,
  };
  const serviceMetrics = new ServiceMetrics(health);
  pipeline.onCommit = (ms) => serviceMetrics.batchCommitted(ms);
  publisher.timings = { built: (ms) => serviceMetrics.statsBuilt(ms), published: (ms) => serviceMetrics.statsPublished(ms) };

  let http: HttpServer;
  try {
    http = await serveHttp(createHttpApp(health, serviceMetrics).fetch, config.httpHost, config.httpPort);
  } catch (err) {
    store.close();
    lock.release();
    throw new Error(`HTTP_HOST/HTTP_PORT: cannot listen on ${config.httpHost}:${config.httpPort}: ${(err as Error).message}`);
  }
  log.info("health endpoint listening", { url: `http://${config.httpHost}:${http.port}` });

  let stopping: Promise<void> | null = null;
  keeper.start();
  let ticking = false;
  const timer = setInterval(async () => {
    // Silent nodes and full rate buckets leave memory on every tick, also one skipped below;
    // storage keeps what totals need.
    const now = Date.now();
    state.evictSilent(now, config.activeWindowMs);
    admission.forgetIdle(now);
    // A slow lease check must not stack ticks up behind it.
    if (ticking) return;
    ticking = true;
    try {
      await cluster.beforePublish();
    } finally {
      ticking = false;
    }
    if (stopping) return;
    publisher.tick({
      role: cluster.role,
      mode: ingestStatus?.mode, pending: ingestStatus?.pending, lastAckedSeq: ingestStatus?.lastAckedSeq,
      disconnects: keeper.state.disconnects || undefined, disconnectedMs: keeper.state.disconnectedMs || undefined,
    });
    refreshIngestStatus();
  }, config.publishIntervalMs);

  return {
    httpPort: http.port,
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        // Hand the lease over first, while the connection is still up: a standby publishes next.
        // Bounded: with the broker away it cannot be handed over, and the lease expires by itself.
        await Promise.race([cluster.release(), new Promise((r) => setTimeout(r, keeper.state.connected ? LEASE_RELEASE_MS : 0))]);
        // Stop taking messages first: those already delivered are committed (and acked) below.
        // Disconnected, there is nothing in flight to wait for.
        const stopping = source?.stop();
        if (keeper.state.connected) await Promise.race([stopping, new Promise((r) => setTimeout(r, SHUTDOWN_DRAIN_MS))]);
        const stored = pipeline.close();
        await keeper.stop(SHUTDOWN_DRAIN_MS);
        if (!stored) log.error("shutting down with messages that could not be stored", { waiting: pipeline.pending, path: config.dbPath });
        store.close();
        lock.release();
        await http.close();
        log.info("stopped", { committedTotalTasks: state.counters.total("tasks") });
      })();
      return stopping;
    },
  };
}
