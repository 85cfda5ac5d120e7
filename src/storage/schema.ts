// The SQLite schema and its migrations; table names follow the original seed.

export const SCHEMA_VERSION = 2;

export const PRAGMAS = `
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA busy_timeout = 5000;
PRAGMA temp_store = MEMORY;
PRAGMA cache_size = -8192;
PRAGMA wal_autocheckpoint = 10000;
`;

// Tasks and invoices: rows are appended in arrival order (rowid) and found by a unique index on
// the hash. Hashes arrive in random order; keeping only the small index entries in random order
// (instead of whole rows, as a table keyed by the hash would) cuts the pages each commit dirties.
export const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS schema_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS aggregated_tasks (
  id                    INTEGER PRIMARY KEY,
  task_id_hash          TEXT NOT NULL UNIQUE,
  first_seen            INTEGER NOT NULL,
  first_node_id         TEXT NOT NULL,
  chain_id              TEXT,
  task_type             TEXT,
  block_number          INTEGER,
  block_hash            TEXT,
  task_hash             TEXT,
  received              INTEGER NOT NULL,
  success               INTEGER,
  status                TEXT,
  cached                INTEGER,
  execution_time_bucket TEXT,
  gas_used_bucket       TEXT,
  completed_at          INTEGER
);
CREATE INDEX IF NOT EXISTS aggregated_tasks_first_seen ON aggregated_tasks (first_seen);

CREATE TABLE IF NOT EXISTS aggregated_invoices (
  id                    INTEGER PRIMARY KEY,
  invoice_id_hash       TEXT NOT NULL UNIQUE,
  first_seen            INTEGER NOT NULL,
  first_node_id         TEXT NOT NULL,
  task_id_hash          TEXT,
  chain_id              TEXT,
  steps_computed_bucket TEXT NOT NULL,
  memory_used_bucket    TEXT NOT NULL,
  operation             TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS aggregated_invoices_first_seen ON aggregated_invoices (first_seen);

-- Every node ever seen (totalNodes is exact only if rows outlive silence); "active" is computed from last_seen.
CREATE TABLE IF NOT EXISTS active_nodes (
  node_id    TEXT PRIMARY KEY,
  first_seen INTEGER NOT NULL,
  last_seen  INTEGER NOT NULL,
  status     TEXT,
  status_at  INTEGER NOT NULL,
  continent  TEXT,
  location   TEXT
) WITHOUT ROWID;

-- Lifetime totals and distributions; survive pruning of the detail rows.
CREATE TABLE IF NOT EXISTS lifetime_counters (
  family TEXT NOT NULL,
  key    TEXT NOT NULL,
  value  INTEGER NOT NULL,
  PRIMARY KEY (family, key)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS network_stats_history (
  id                INTEGER PRIMARY KEY,
  published_at      INTEGER NOT NULL,
  active_nodes      INTEGER NOT NULL,
  total_nodes       INTEGER NOT NULL,
  total_tasks       INTEGER NOT NULL,
  completed_tasks   INTEGER NOT NULL,
  failed_tasks      INTEGER NOT NULL,
  cached_tasks      INTEGER NOT NULL,
  tasks_last_24h    INTEGER NOT NULL,
  total_invoices    INTEGER NOT NULL,
  invoices_last_24h INTEGER NOT NULL,
  success_rate      REAL NOT NULL,
  cache_hit_rate    REAL NOT NULL,
  stats_json        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS network_stats_history_published_at ON network_stats_history (published_at);
`;

// Version 2: a node's place keeps the time of the heartbeat that set it, so joins and other
// messages at the same or later time cannot hide it. Rows from version 1 hold a place set at or
// before status_at; that is the best time they can be given.
export const SCHEMA_V2 = `
ALTER TABLE active_nodes ADD COLUMN place_at INTEGER;
UPDATE active_nodes SET place_at = status_at WHERE continent IS NOT NULL OR location IS NOT NULL;
`;
