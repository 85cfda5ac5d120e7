// Persists batch effects, stats history and lifetime counters in SQLite, and restores them at start.
import { mkdirSync, accessSync, constants } from "node:fs";
import { dirname } from "node:path";
import type { BatchEffect, RecordLookup } from "../core/batch.ts";
import { fileErrorText } from "../file-errors.ts";
import { COUNTER_FAMILIES, CounterSet, type CounterFamily } from "../core/counters.ts";
import { DAY_MS, type RestoredState } from "../core/network-state.ts";
import type { InvoiceRecord, NodeRecord, NodeStatus, TaskRecord } from "../core/records.ts";
import type { NetworkStatsMessage } from "../protocol/stats-message.ts";
import { instanceIdentity, type InstanceIdentity } from "./instance-identity.ts";
import { PRAGMAS, SCHEMA_V1, SCHEMA_V2, SCHEMA_VERSION } from "./schema.ts";
import { openSqlite, transaction, type SqlDatabase, type SqlRow, type SqlStatement } from "./sqlite-driver.ts";

const PRUNE_CHUNK = 5000;

export class StorageError extends Error {
  override name = "StorageError";
  /** Set when the cause is the configured path itself (an operator's fix, exit code 2). */
  constructor(message: string, readonly variable?: "DB_PATH") {
    super(message);
  }
}

function bool(v: boolean): number {
  return v ? 1 : 0;
}
function str(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}
function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function taskFromRow(r: SqlRow): TaskRecord {
  return {
    taskIdHash: String(r.task_id_hash),
    firstSeen: Number(r.first_seen),
    firstNodeId: String(r.first_node_id),
    chainId: str(r.chain_id),
    taskType: str(r.task_type),
    blockNumber: num(r.block_number),
    blockHash: str(r.block_hash),
    taskHash: str(r.task_hash),
    received: Number(r.received) === 1,
    outcome: r.success === null || r.success === undefined ? null : {
      success: Number(r.success) === 1,
      status: str(r.status),
      cached: Number(r.cached) === 1,
      executionTimeBucket: String(r.execution_time_bucket),
      gasUsedBucket: String(r.gas_used_bucket),
      at: Number(r.completed_at),
    },
  };
}

function invoiceFromRow(r: SqlRow): InvoiceRecord {
  return {
    invoiceIdHash: String(r.invoice_id_hash),
    firstSeen: Number(r.first_seen),
    firstNodeId: String(r.first_node_id),
    taskIdHash: str(r.task_id_hash),
    chainId: str(r.chain_id),
    stepsComputedBucket: String(r.steps_computed_bucket),
    memoryUsedBucket: String(r.memory_used_bucket),
    operation: String(r.operation),
  };
}

function nodeFromRow(r: SqlRow): NodeRecord {
  return {
    nodeId: String(r.node_id),
    firstSeen: Number(r.first_seen),
    lastSeen: Number(r.last_seen),
    status: str(r.status) as NodeStatus | null,
    statusAt: Number(r.status_at),
    continent: str(r.continent),
    location: str(r.location),
    placeAt: num(r.place_at),
  };
}

/** Makes sure the database's folder exists and is writable, with an error that names the path. */
export function prepareFolder(path: string): void {
  if (path === ":memory:") return;
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new StorageError(`DB_PATH: cannot create folder ${dir}: ${fileErrorText(err)}`, "DB_PATH");
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new StorageError(`DB_PATH: folder ${dir} is not writable by this user`, "DB_PATH");
  }
}

export class AggregatorStore implements RecordLookup {
  private readonly st: Record<string, SqlStatement>;

  private constructor(readonly db: SqlDatabase, readonly path: string) {
    this.st = {
      getTask: db.prepare("SELECT * FROM aggregated_tasks WHERE task_id_hash = ?"),
      getInvoice: db.prepare("SELECT * FROM aggregated_invoices WHERE invoice_id_hash = ?"),
      getNode: db.prepare("SELECT * FROM active_nodes WHERE node_id = ?"),
      // Upserts update in place: a completion rewrites its task's row where it stands.
      putTask: db.prepare(`INSERT INTO aggregated_tasks
        (task_id_hash, first_seen, first_node_id, chain_id, task_type, block_number, block_hash, task_hash,
         received, success, status, cached, execution_time_bucket, gas_used_bucket, completed_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (task_id_hash) DO UPDATE SET
          first_seen = excluded.first_seen, first_node_id = excluded.first_node_id, chain_id = excluded.chain_id,
          task_type = excluded.task_type, block_number = excluded.block_number, block_hash = excluded.block_hash,
          task_hash = excluded.task_hash, received = excluded.received, success = excluded.success,
          status = excluded.status, cached = excluded.cached, execution_time_bucket = excluded.execution_time_bucket,
          gas_used_bucket = excluded.gas_used_bucket, completed_at = excluded.completed_at`),
      putInvoice: db.prepare(`INSERT INTO aggregated_invoices
        (invoice_id_hash, first_seen, first_node_id, task_id_hash, chain_id, steps_computed_bucket, memory_used_bucket, operation)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (invoice_id_hash) DO UPDATE SET
          first_seen = excluded.first_seen, first_node_id = excluded.first_node_id, task_id_hash = excluded.task_id_hash,
          chain_id = excluded.chain_id`),
      putNode: db.prepare(`INSERT OR REPLACE INTO active_nodes
        (node_id, first_seen, last_seen, status, status_at, continent, location, place_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      addCounter: db.prepare(`INSERT INTO lifetime_counters (family, key, value) VALUES (?, ?, ?)
        ON CONFLICT (family, key) DO UPDATE SET value = value + excluded.value`),
      putHistory: db.prepare(`INSERT INTO network_stats_history
        (published_at, active_nodes, total_nodes, total_tasks, completed_tasks, failed_tasks, cached_tasks,
         tasks_last_24h, total_invoices, invoices_last_24h, success_rate, cache_hit_rate, stats_json)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      pruneTasks: db.prepare(`DELETE FROM aggregated_tasks WHERE id IN
        (SELECT id FROM aggregated_tasks WHERE first_seen < ? LIMIT ${PRUNE_CHUNK})`),
      pruneInvoices: db.prepare(`DELETE FROM aggregated_invoices WHERE id IN
        (SELECT id FROM aggregated_invoices WHERE first_seen < ? LIMIT ${PRUNE_CHUNK})`),
      pruneHistory: db.prepare(`DELETE FROM network_stats_history WHERE id IN
        (SELECT id FROM network_stats_history WHERE published_at < ? LIMIT ${PRUNE_CHUNK})`),
      changes: db.prepare("SELECT changes() AS n"),
    };
  }

  static async open(path: string): Promise<AggregatorStore> {
    prepareFolder(path);
    let db: SqlDatabase | undefined;
    try {
      db = await openSqlite(path);
      db.exec(PRAGMAS);
      migrate(db);
    } catch (err) {
      db?.close();
      throw new StorageError(`DB_PATH: cannot open database ${path}: ${(err as Error).message}`);
    }
    return new AggregatorStore(db, path);
  }

  get driver(): string {
    return this.db.driver;
  }

  /** This instance's stable id (see instance-identity.ts). */
  instanceIdentity(override?: string): InstanceIdentity {
    return instanceIdentity(this.db, override);
  }

  task(taskIdHash: string): TaskRecord | undefined {
    const row = this.st.getTask!.get(taskIdHash);
    return row ? taskFromRow(row) : undefined;
  }

  invoice(invoiceIdHash: string): InvoiceRecord | undefined {
    const row = this.st.getInvoice!.get(invoiceIdHash);
    return row ? invoiceFromRow(row) : undefined;
  }

  node(nodeId: string): NodeRecord | undefined {
    const row = this.st.getNode!.get(nodeId);
    return row ? nodeFromRow(row) : undefined;
  }

  /**
   * Builds a batch's effect from what is stored and writes it, in one transaction: lookups
   * inside a write transaction are several times cheaper than each in its own read
   * transaction, and a failure anywhere changes nothing. Returns the committed effect.
   */
  commitBatch(build: (lookup: RecordLookup) => BatchEffect): BatchEffect {
    return transaction(this.db, () => {
      const effect = build(this);
      this.write(effect);
      return effect;
    });
  }

  /** Writes one batch's rows and counter deltas atomically. Throws (and changes nothing) on failure. */
  commit(effect: BatchEffect): void {
    transaction(this.db, () => this.write(effect));
  }

  private write(effect: BatchEffect): void {
    for (const t of effect.tasks) {
      const o = t.outcome;
      this.st.putTask!.run(
        t.taskIdHash, t.firstSeen, t.firstNodeId, t.chainId, t.taskType, t.blockNumber, t.blockHash, t.taskHash,
        bool(t.received), o ? bool(o.success) : null, o?.status ?? null, o ? bool(o.cached) : null,
        o?.executionTimeBucket ?? null, o?.gasUsedBucket ?? null, o?.at ?? null,
      );
    }
    for (const i of effect.invoices) {
      this.st.putInvoice!.run(i.invoiceIdHash, i.firstSeen, i.firstNodeId, i.taskIdHash, i.chainId, i.stepsComputedBucket, i.memoryUsedBucket, i.operation);
    }
    for (const n of effect.nodes) {
      this.st.putNode!.run(n.nodeId, n.firstSeen, n.lastSeen, n.status, n.statusAt, n.continent, n.location, n.placeAt);
    }
    for (const [family, key, delta] of effect.counters.entries()) this.st.addCounter!.run(family, key, delta);
  }

  recordStats(msg: NetworkStatsMessage, publishedAt: number): void {
    const d = msg.data;
    this.st.putHistory!.run(
      publishedAt, d.activeNodes, d.totalNodes, d.totalTasks, d.completedTasks, d.failedTasks, d.cachedTasks,
      d.tasksLast24h, d.totalInvoices, d.invoicesLast24h, d.successRate, d.cacheHitRate, JSON.stringify(d),
    );
  }

  /**
   * Deletes detail rows and history older than `cutoff`, one bounded chunk per table per call, so a
   * large backlog of expired rows never blocks ingestion for long. Returns how many rows went.
   */
  pruneOnce(cutoff: number): number {
    let removed = 0;
    for (const st of [this.st.pruneTasks!, this.st.pruneInvoices!, this.st.pruneHistory!]) {
      st.run(cutoff);
      removed += Number(this.st.changes!.get()!.n);
    }
    return removed;
  }

  /**
   * Everything the in-memory state needs after a restart: counters, the nodes heard from
   * within `activeWindowMs` (older ones stay on disk), and the recent window's index range.
   */
  restore(now: number, recentWindowMs = DAY_MS, activeWindowMs = DAY_MS): RestoredState {
    const counters = new CounterSet();
    for (const r of this.db.prepare("SELECT family, key, value FROM lifetime_counters").all()) {
      if ((COUNTER_FAMILIES as readonly string[]).includes(String(r.family))) {
        counters.add(r.family as CounterFamily, String(r.key), Number(r.value));
      }
    }
    const since = now - recentWindowMs;
    const seconds = (table: string) =>
      this.db.prepare(`SELECT first_seen / 1000 AS s, COUNT(*) AS n FROM ${table} WHERE first_seen > ? GROUP BY s`)
        .all(since).map((r) => [Number(r.s), Number(r.n)] as const);
    return {
      counters,
      nodes: this.db.prepare("SELECT * FROM active_nodes WHERE last_seen > ?").all(now - activeWindowMs).map(nodeFromRow),
      taskSeconds: seconds("aggregated_tasks"),
      invoiceSeconds: seconds("aggregated_invoices"),
    };
  }

  /** Row counts, for tests and operators; scans, so never on the stats path. */
  countRows(table: "aggregated_tasks" | "aggregated_invoices" | "active_nodes" | "network_stats_history"): number {
    return Number(this.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get()!.n);
  }

  close(): void {
    this.db.close();
  }
}

function migrate(db: SqlDatabase): void {
  const hasMeta = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_meta'").get();
  const current = hasMeta ? Number(db.prepare("SELECT value FROM schema_meta WHERE key = 'version'").get()?.value ?? 0) : 0;
  if (current > SCHEMA_VERSION) {
    throw new StorageError(`database schema version ${current} is newer than this build understands (${SCHEMA_VERSION}); run a newer aggregator`);
  }
  if (current === SCHEMA_VERSION) return;
  transaction(db, () => {
    if (current < 1) db.exec(SCHEMA_V1);
    if (current < 2) db.exec(SCHEMA_V2);
    db.prepare("INSERT OR REPLACE INTO schema_meta (key, value) VALUES ('version', ?)").run(String(SCHEMA_VERSION));
  });
}
