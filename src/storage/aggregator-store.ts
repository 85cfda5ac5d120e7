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
import type { Logger } from "../log/logger.ts";
import { INVOICE_KEYS, KeyedRows, TASK_KEYS } from "./keyed-rows.ts";
import { NodeRows } from "./node-rows.ts";
import { keySeed, migrate, newerSchemaError, schemaVersion } from "./migrations.ts";
import { PRAGMAS, SCHEMA_VERSION } from "./schema.ts";
import { openSqlite, transaction, type SqlDatabase, type SqlRow, type SqlStatement } from "./sqlite-driver.ts";
import { StorageError } from "./storage-error.ts";

export { StorageError };

const PRUNE_CHUNK = 5000;

export interface OpenOptions {
  /** Receives the migration's start and end lines. */
  log?: Pick<Logger, "info">;
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
  private readonly nodeRows = new NodeRows();

  private constructor(
    readonly db: SqlDatabase,
    readonly path: string,
    /** The in-memory dedup indexes over the append-only task and invoice tables. */
    readonly tasks: KeyedRows,
    readonly invoices: KeyedRows,
  ) {
    this.st = {
      getNode: db.prepare("SELECT * FROM active_nodes WHERE node_id = ?"),
      // New ids are appended at the rowid KeyedRows hands out; a known one is rewritten where it stands.
      insertTask: db.prepare(`INSERT INTO aggregated_tasks
        (id, task_id_hash, first_seen, first_node_id, chain_id, task_type, block_number, block_hash, task_hash,
         received, success, status, cached, execution_time_bucket, gas_used_bucket, completed_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      updateTask: db.prepare(`UPDATE aggregated_tasks SET
          task_id_hash = ?, first_seen = ?, first_node_id = ?, chain_id = ?, task_type = ?, block_number = ?, block_hash = ?,
          task_hash = ?, received = ?, success = ?, status = ?, cached = ?, execution_time_bucket = ?, gas_used_bucket = ?,
          completed_at = ?
        WHERE id = ?`),
      insertInvoice: db.prepare(`INSERT INTO aggregated_invoices
        (id, invoice_id_hash, first_seen, first_node_id, task_id_hash, chain_id, steps_computed_bucket, memory_used_bucket, operation)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      updateInvoice: db.prepare(`UPDATE aggregated_invoices SET
          invoice_id_hash = ?, first_seen = ?, first_node_id = ?, task_id_hash = ?, chain_id = ?, steps_computed_bucket = ?,
          memory_used_bucket = ?, operation = ?
        WHERE id = ?`),
      putNode: db.prepare(`INSERT OR REPLACE INTO active_nodes
        (node_id, first_seen, last_seen, status, status_at, continent, location, place_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      addCounter: db.prepare(`INSERT INTO lifetime_counters (family, key, value) VALUES (?, ?, ?)
        ON CONFLICT (family, key) DO UPDATE SET value = value + excluded.value`),
      putHistory: db.prepare(`INSERT INTO network_stats_history
        (published_at, active_nodes, total_nodes, total_tasks, completed_tasks, failed_tasks, cached_tasks,
         tasks_last_24h, total_invoices, invoices_last_24h, success_rate, cache_hit_rate, stats_json)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      expiredTasks: db.prepare(`SELECT id, task_id_hash AS h FROM aggregated_tasks WHERE first_seen < ? LIMIT ${PRUNE_CHUNK}`),
      expiredInvoices: db.prepare(`SELECT id, invoice_id_hash AS h FROM aggregated_invoices WHERE first_seen < ? LIMIT ${PRUNE_CHUNK}`),
      deleteTask: db.prepare("DELETE FROM aggregated_tasks WHERE id = ?"),
      deleteInvoice: db.prepare("DELETE FROM aggregated_invoices WHERE id = ?"),
      pruneHistory: db.prepare(`DELETE FROM network_stats_history WHERE id IN
        (SELECT id FROM network_stats_history WHERE published_at < ? LIMIT ${PRUNE_CHUNK})`),
      changes: db.prepare("SELECT changes() AS n"),
    };
  }

  /**
   * Opens (creating or migrating) the database at `path` and rebuilds the dedup indexes. A file
   * whose schema is newer than this build is refused before anything is written to it.
   */
  static async open(path: string, opts: OpenOptions = {}): Promise<AggregatorStore> {
    prepareFolder(path);
    let db: SqlDatabase | undefined;
    try {
      db = await openSqlite(path);
      // Read before any pragma: journal_mode = WAL alone would rewrite the header of a newer file.
      db.exec("PRAGMA busy_timeout = 5000");
      const version = schemaVersion(db);
      if (version > SCHEMA_VERSION) throw newerSchemaError(path, version);
      db.exec(PRAGMAS);
      migrate(db, path, opts.log);
      const seed = keySeed(db);
      return new AggregatorStore(db, path, KeyedRows.load(db, TASK_KEYS, seed), KeyedRows.load(db, INVOICE_KEYS, seed));
    } catch (err) {
      db?.close();
      if (err instanceof StorageError) throw err;
      throw new StorageError(`DB_PATH: cannot open database ${path}: ${(err as Error).message}`);
    }
  }

  get driver(): string {
    return this.db.driver;
  }

  /** This instance's stable id (see instance-identity.ts). */
  instanceIdentity(override?: string): InstanceIdentity {
    return instanceIdentity(this.db, override);
  }

  task(taskIdHash: string): TaskRecord | undefined {
    const row = this.tasks.find(taskIdHash);
    return row ? taskFromRow(row) : undefined;
  }

  invoice(invoiceIdHash: string): InvoiceRecord | undefined {
    const row = this.invoices.find(invoiceIdHash);
    return row ? invoiceFromRow(row) : undefined;
  }

  node(nodeId: string): NodeRecord | undefined {
    const latest = this.nodeRows.unwrittenNode(nodeId);
    if (latest) return latest;
    const row = this.st.getNode!.get(nodeId);
    return row ? nodeFromRow(row) : undefined;
  }

  /**
   * Builds a batch's effect from what is stored and writes it, in one transaction: lookups
   * inside a write transaction are several times cheaper than each in its own read
   * transaction, and a failure anywhere changes nothing. Returns the committed effect.
   */
  commitBatch(build: (lookup: RecordLookup) => BatchEffect): BatchEffect {
    return this.inTransaction(() => {
      const effect = build(this);
      this.write(effect);
      return effect;
    });
  }

  /** Writes one batch's rows and counter deltas atomically. Throws (and changes nothing) on failure. */
  commit(effect: BatchEffect): void {
    this.inTransaction(() => this.write(effect));
  }

  /** The dedup indexes follow the transaction: changed if it commits, untouched if it fails. */
  private inTransaction<T>(fn: () => T): T {
    let out: T;
    try {
      out = transaction(this.db, fn);
    } catch (err) {
      this.tasks.rolledBack();
      this.invoices.rolledBack();
      this.nodeRows.rolledBack();
      throw err;
    }
    this.tasks.committed();
    this.invoices.committed();
    this.nodeRows.committed();
    return out;
  }

  private write(effect: BatchEffect): void {
    for (const t of effect.tasks) {
      const o = t.outcome;
      const { id, isNew } = this.tasks.rowFor(t.taskIdHash);
      const values = [
        t.taskIdHash, t.firstSeen, t.firstNodeId, t.chainId, t.taskType, t.blockNumber, t.blockHash, t.taskHash,
        bool(t.received), o ? bool(o.success) : null, o?.status ?? null, o ? bool(o.cached) : null,
        o?.executionTimeBucket ?? null, o?.gasUsedBucket ?? null, o?.at ?? null,
      ] as const;
      if (isNew) this.st.insertTask!.run(id, ...values);
      else this.st.updateTask!.run(...values, id);
    }
    this.tasks.writeLog();
    for (const i of effect.invoices) {
      const { id, isNew } = this.invoices.rowFor(i.invoiceIdHash);
      const values = [i.invoiceIdHash, i.firstSeen, i.firstNodeId, i.taskIdHash, i.chainId, i.stepsComputedBucket, i.memoryUsedBucket, i.operation] as const;
      if (isNew) this.st.insertInvoice!.run(id, ...values);
      else this.st.updateInvoice!.run(...values, id);
    }
    this.invoices.writeLog();
    this.putNodes(this.nodeRows.select(effect.nodes));
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
    const expire = (rows: KeyedRows, select: SqlStatement, del: SqlStatement) => {
      const gone = select.all(cutoff).map((r) => [rows.key(String(r.h)), Number(r.id)] as const);
      for (const [, id] of gone) del.run(id);
      rows.trimKeyLog();
      return gone;
    };
    const { tasks, invoices, history } = this.inTransaction(() => {
      const tasks = expire(this.tasks, this.st.expiredTasks!, this.st.deleteTask!);
      const invoices = expire(this.invoices, this.st.expiredInvoices!, this.st.deleteInvoice!);
      this.st.pruneHistory!.run(cutoff);
      return { tasks, invoices, history: Number(this.st.changes!.get()!.n) };
    });
    // Committed: the ids are gone from the tables, so they leave the indexes too.
    this.tasks.forget(tasks);
    this.invoices.forget(invoices);
    return tasks.length + invoices.length + history;
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

  private putNodes(nodes: readonly NodeRecord[]): void {
    for (const n of nodes) this.st.putNode!.run(n.nodeId, n.firstSeen, n.lastSeen, n.status, n.statusAt, n.continent, n.location, n.placeAt);
  }

  /** Writes the nodes' latest lastSeen (held back by NodeRows) and closes the database. */
  close(): void {
    const unwritten = this.nodeRows.takeUnwritten();
    if (unwritten.length > 0) {
      try {
        transaction(this.db, () => this.putNodes(unwritten));
      } catch {
        // Only lastSeen precision is at stake (at most NODE_SEEN_STEP_MS behind), never a count.
      }
    }
    this.db.close();
  }
}
