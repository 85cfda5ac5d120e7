// One append-only table's dedup index: id hash -> rowid in memory, rebuilt at start from a key log kept in the same transactions.
import { hashKey } from "./hash-key.ts";
import { KeyIndex } from "./key-index.ts";
import type { SqlDatabase, SqlRow, SqlStatement } from "./sqlite-driver.ts";

/** The two tables that are deduplicated by a 64-hex id. */
export interface KeyedTable {
  table: "aggregated_tasks" | "aggregated_invoices";
  hashColumn: "task_id_hash" | "invoice_id_hash";
  /** (last_row INTEGER PRIMARY KEY, pairs BLOB): each commit's new (key, rowid) pairs. */
  logTable: "task_key_log" | "invoice_key_log";
}

export const TASK_KEYS: KeyedTable = { table: "aggregated_tasks", hashColumn: "task_id_hash", logTable: "task_key_log" };
export const INVOICE_KEYS: KeyedTable = { table: "aggregated_invoices", hashColumn: "invoice_id_hash", logTable: "invoice_key_log" };

/** Pairs are stored as little-endian float64s, key then rowid: 16 bytes a row. */
function decodePairs(blob: Uint8Array): Float64Array {
  if (blob.byteOffset % 8 === 0) return new Float64Array(blob.buffer, blob.byteOffset, blob.byteLength >> 3);
  return new Float64Array(blob.slice().buffer);
}

/**
 * Writes the key log of every row already in `t` (migration, bulk loads): in chunks of rowid order,
 * inside the caller's transaction. Replaces whatever log there was.
 */
export function writeKeyLog(db: SqlDatabase, t: KeyedTable, seed: number, chunk = 50_000): number {
  db.exec(`DELETE FROM ${t.logTable}`);
  const read = db.prepare(`SELECT id, ${t.hashColumn} AS h FROM ${t.table} WHERE id > ? ORDER BY id LIMIT ${chunk}`);
  const put = db.prepare(`INSERT INTO ${t.logTable} (last_row, pairs) VALUES (?, ?)`);
  let after = 0;
  let total = 0;
  for (;;) {
    const rows = read.all(after);
    if (rows.length === 0) return total;
    const pairs = new Float64Array(rows.length * 2);
    rows.forEach((r, i) => {
      pairs[2 * i] = hashKey(String(r.h), seed);
      pairs[2 * i + 1] = Number(r.id);
    });
    after = Number(rows[rows.length - 1]!.id);
    put.run(after, new Uint8Array(pairs.buffer));
    total += rows.length;
  }
}

/**
 * Rows are appended with rowids this class hands out, so a new id costs one hash-table probe
 * and an append, never a random insert into an on-disk B-tree. The index changes only after
 * the transaction that wrote the rows has committed (`committed`); a failed one is forgotten
 * (`rolledBack`). A key that collides is resolved by reading the row and comparing the full hash.
 */
export class KeyedRows {
  readonly index: KeyIndex;
  private nextRow: number;
  private committedNextRow: number;
  /** New (key, row) pairs of the open transaction, in one reused buffer (no garbage per commit). */
  private pending = new Float64Array(2 * 1024);
  private pendingLength = 0;
  /** Rows the open transaction has read or located, by hash: located once, not again at write. */
  private readonly located = new Map<string, number>();
  private readonly byId: SqlStatement;
  private readonly hashById: SqlStatement;
  private readonly putLog: SqlStatement;
  private readonly trimLog: SqlStatement;

  private constructor(private readonly db: SqlDatabase, readonly t: KeyedTable, readonly seed: number, expected: number, nextRow: number) {
    this.index = new KeyIndex(expected);
    this.nextRow = this.committedNextRow = nextRow;
    this.byId = db.prepare(`SELECT * FROM ${t.table} WHERE id = ?`);
    this.hashById = db.prepare(`SELECT ${t.hashColumn} AS h FROM ${t.table} WHERE id = ?`);
    this.putLog = db.prepare(`INSERT INTO ${t.logTable} (last_row, pairs) VALUES (?, ?)`);
    this.trimLog = db.prepare(`DELETE FROM ${t.logTable} WHERE last_row < COALESCE((SELECT MIN(id) FROM ${t.table}), ?)`);
  }

  /** Rebuilds the index from the key log: whole blobs into typed arrays, no row is read. */
  static load(db: SqlDatabase, t: KeyedTable, seed: number): KeyedRows {
    const bounds = db.prepare(`SELECT MIN(id) AS lo, MAX(id) AS hi FROM ${t.table}`).get()!;
    const lo = bounds.lo === null ? Number.POSITIVE_INFINITY : Number(bounds.lo);
    const hi = bounds.hi === null ? 0 : Number(bounds.hi);
    const logged = Number(db.prepare(`SELECT COALESCE(SUM(LENGTH(pairs)), 0) / 16 AS n FROM ${t.logTable} WHERE last_row >= ?`).get(lo)!.n);
    const rows = new KeyedRows(db, t, seed, logged, hi + 1);
    const index = rows.index;
    const read = db.prepare(`SELECT last_row, pairs FROM ${t.logTable} WHERE last_row >= ? ORDER BY last_row LIMIT 8`);
    let from = lo === Number.POSITIVE_INFINITY ? hi + 1 : lo;
    for (;;) {
      const chunk = read.all(from);
      if (chunk.length === 0) break;
      for (const r of chunk) {
        const pairs = decodePairs(r.pairs as Uint8Array);
        // A few blobs per read (each up to 50,000 pairs after a migration) keep the start-up peak low.
    // Pairs of pruned rows below the oldest live row are skipped; the rare pruned one above
        // it stays and never matches (its row is gone), until the next start.
        for (let i = 0; i < pairs.length; i += 2) if (pairs[i + 1]! >= lo) index.add(pairs[i]!, pairs[i + 1]!);
      }
      from = Number(chunk[chunk.length - 1]!.last_row) + 1;
    }
    return rows;
  }

  key(hash: string): number {
    return hashKey(hash, this.seed);
  }

  /** The stored row of `hash`, read by rowid; undefined (without touching SQLite) for a new id. */
  find(hash: string): SqlRow | undefined {
    const key = hashKey(hash, this.seed);
    for (let slot = this.index.next(key, -1); slot >= 0; slot = this.index.next(key, slot)) {
      const id = this.index.rowAt(slot);
      const row = this.byId.get(id);
      if (row && row[this.t.hashColumn] === hash) {
        this.located.set(hash, id);
        return row;
      }
    }
    return undefined;
  }

  /** The rowid of `hash` if it is stored (0 if not), for the write that follows a lookup. */
  private locate(hash: string): number {
    const key = hashKey(hash, this.seed);
    const known = this.located.get(hash);
    // Written earlier in this same transaction: not in the committed index yet.
    if (known !== undefined && known >= this.committedNextRow) return known;
    for (let slot = this.index.next(key, -1); slot >= 0; slot = this.index.next(key, slot)) {
      const id = this.index.rowAt(slot);
      if (id === known || this.hashById.get(id)?.h === hash) return id;
    }
    return 0;
  }

  /**
   * The rowid to write `hash` to: its stored row (update in place) or a new one at the end (insert).
   * Call inside the write transaction; `isNew` tells which statement to run.
   */
  rowFor(hash: string): { id: number; isNew: boolean } {
    const id = this.locate(hash);
    if (id !== 0) return { id, isNew: false };
    const fresh = this.nextRow++;
    if (this.pendingLength + 2 > this.pending.length) {
      const bigger = new Float64Array(this.pending.length * 2);
      bigger.set(this.pending);
      this.pending = bigger;
    }
    this.pending[this.pendingLength++] = hashKey(hash, this.seed);
    this.pending[this.pendingLength++] = fresh;
    this.located.set(hash, fresh);
    return { id: fresh, isNew: true };
  }

  /** Logs the transaction's new pairs; the last statement of a commit's writes for this table. */
  writeLog(): void {
    if (this.pendingLength === 0) return;
    // The driver copies the bytes when it binds them.
    this.putLog.run(this.nextRow - 1, new Uint8Array(this.pending.buffer, 0, this.pendingLength * 8));
  }

  committed(): void {
    const p = this.pending;
    for (let i = 0; i < this.pendingLength; i += 2) this.index.add(p[i]!, p[i + 1]!);
    this.committedNextRow = this.nextRow;
    this.pendingLength = 0;
    this.located.clear();
  }

  rolledBack(): void {
    this.nextRow = this.committedNextRow;
    this.pendingLength = 0;
    this.located.clear();
  }

  /** After rows were deleted (and committed): drops their pairs from memory. */
  forget(pairs: readonly (readonly [key: number, id: number])[]): void {
    for (const [key, id] of pairs) this.index.remove(key, id);
  }

  /** Drops log blobs whose rows are all gone; inside the pruning transaction. */
  trimKeyLog(): void {
    this.trimLog.run(this.committedNextRow);
  }
}
