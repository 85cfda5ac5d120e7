// Moves a database from the schema version it has to SCHEMA_VERSION, in one transaction, keeping every other schema_meta key.
import type { Logger } from "../log/logger.ts";
import { newKeySeed } from "./hash-key.ts";
import { INVOICE_KEYS, TASK_KEYS, writeKeyLog } from "./keyed-rows.ts";
import { INVOICES_TABLE, SCHEMA_V2, SCHEMA_VERSION, TASKS_TABLE, V1_TO_V2_NODE_PLACES, V2_INDEXES_AND_LOGS } from "./schema.ts";
import { transaction, type SqlDatabase } from "./sqlite-driver.ts";
import { StorageError } from "./storage-error.ts";

type MigrationLog = Pick<Logger, "info">;

/** The schema version stored in the file; 0 for a file without our schema (a new database). */
export function schemaVersion(db: SqlDatabase): number {
  const hasMeta = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_meta'").get();
  if (!hasMeta) return 0;
  const v = db.prepare("SELECT value FROM schema_meta WHERE key = 'version'").get()?.value;
  return v === undefined ? 0 : Number(v);
}

export function newerSchemaError(path: string, version: number): StorageError {
  return new StorageError(
    `DB_PATH: database ${path} has schema version ${version}; this aggregator supports schema version ${SCHEMA_VERSION} and older. ` +
      "Nothing was changed; run the newer aggregator that wrote it, or restore a backup made by this version",
    "DB_PATH",
  );
}

function setMeta(db: SqlDatabase, key: string, value: string): void {
  db.prepare("INSERT INTO schema_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
}

/** The seed of the dedup keys (hash-key.ts): one per database, chosen when its version 2 schema was made. */
export function keySeed(db: SqlDatabase): number {
  const v = db.prepare("SELECT value FROM schema_meta WHERE key = 'key_seed'").get()?.value;
  if (v === undefined) throw new Error("schema_meta has no key_seed: the database was not made by this aggregator's migrations");
  return Number(v) | 0;
}

/**
 * 1 -> 2 (0.1.0 -> this): tasks and invoices lose the unique index on their hash (a table is
 * copied in rowid order, so rowids and row order stay), gain the key logs of their rows; nodes
 * gain the time of the heartbeat that set their place.
 */
function v1ToV2(db: SqlDatabase): void {
  for (const [table, create] of [["aggregated_tasks", TASKS_TABLE], ["aggregated_invoices", INVOICES_TABLE]] as const) {
    db.exec(`${create(`${table}_v2`)}
      INSERT INTO ${table}_v2 SELECT * FROM ${table} ORDER BY id;
      DROP TABLE ${table};
      ALTER TABLE ${table}_v2 RENAME TO ${table};`);
  }
  db.exec(V2_INDEXES_AND_LOGS);
  db.exec(V1_TO_V2_NODE_PLACES);
  const seed = newKeySeed();
  setMeta(db, "key_seed", String(seed));
  writeKeyLog(db, TASK_KEYS, seed);
  writeKeyLog(db, INVOICE_KEYS, seed);
}

/** Step n takes version n to n + 1. */
const STEPS: Record<number, (db: SqlDatabase) => void> = { 1: v1ToV2 };

/**
 * Brings the schema to SCHEMA_VERSION. Every step runs inside one transaction: a migration that
 * fails or is killed part-way leaves the file at its old version, and the next start runs it again.
 */
export function migrate(db: SqlDatabase, path: string, log?: MigrationLog): void {
  const from = schemaVersion(db);
  if (from > SCHEMA_VERSION) throw newerSchemaError(path, from);
  if (from === SCHEMA_VERSION) return;
  if (from === 0) {
    transaction(db, () => {
      db.exec(SCHEMA_V2);
      setMeta(db, "key_seed", String(newKeySeed()));
      setMeta(db, "version", String(SCHEMA_VERSION));
    });
    return;
  }
  const started = Date.now();
  log?.info("migrating database schema", { path, fromVersion: from, toVersion: SCHEMA_VERSION });
  transaction(db, () => {
    for (let v = from; v < SCHEMA_VERSION; v++) {
      const step = STEPS[v];
      if (!step) throw new Error(`no migration from schema version ${v}`);
      step(db);
    }
    setMeta(db, "version", String(SCHEMA_VERSION));
  });
  const count = (table: string) => Number(db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get()!.n);
  log?.info("database schema migrated", {
    path, fromVersion: from, toVersion: SCHEMA_VERSION, tasks: count("aggregated_tasks"), invoices: count("aggregated_invoices"),
    tookMs: Date.now() - started,
  });
}
