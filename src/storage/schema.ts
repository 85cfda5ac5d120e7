// The SQLite schema of each version and the pragmas every connection uses; migrations.ts moves a database between versions.

/** 0.1.0 wrote version 1; this build writes version 2. */
export const SCHEMA_VERSION = 2;

export const PRAGMAS = `
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA busy_timeout = 5000;
PRAGMA temp_store = MEMORY;
PRAGMA cache_size = -8192;
PRAGMA wal_autocheckpoint = 10000;
`;

export const TASKS_TABLE = (name: string) => `
CREATE TABLE ${name} (
  id                    INTEGER PRIMARY KEY,
  task_id_hash          TEXT NOT NULL,
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
);`;

export const INVOICES_TABLE = (name: string) => `
CREATE TABLE ${name} (
  id                    INTEGER PRIMARY KEY,
  invoice_id_hash       TEXT NOT NULL,
  first_seen            INTEGER NOT NULL,
  first_node_id         TEXT NOT NULL,
  task_id_hash          TEXT,
  chain_id              TEXT,
  steps_computed_bucket TEXT NOT NULL,
  memory_used_bucket    TEXT NOT NULL,
  operation             TEXT NOT NULL
);`;

/** What version 2 adds to version 1's tables: the indexes on arrival order and the key logs. */
export const V2_INDEXES_AND_LOGS = `
CREATE INDEX aggregated_tasks_first_seen ON aggregated_tasks (first_seen);
CREATE INDEX aggregated_invoices_first_seen ON aggregated_invoices (first_seen);
-- Each commit's new (key, rowid) pairs as one blob: the in-memory dedup index is rebuilt from these at start.
CREATE TABLE task_key_log (
  last_row INTEGER PRIMARY KEY,
  pairs    BLOB NOT NULL
);
CREATE TABLE invoice_key_log (
  last_row INTEGER PRIMARY KEY,
  pairs    BLOB NOT NULL
);
`;

// Version 2. Tasks and invoices are append-only in arrival order (rowid) with no index on the hash:
// ids arrive in random order, and a B-tree keyed by them made every commit rewrite pages all over
// the file. Deduplication goes through the in-memory index of keyed-rows.ts instead.
export const SCHEMA_V2 = `
CREATE TABLE IF NOT EXISTS schema_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
${TASKS_TABLE("aggregated_tasks")}
${INVOICES_TABLE("aggregated_invoices")}
${V2_INDEXES_AND_LOGS}
-- Every node ever seen (totalNodes is exact only if rows outlive silence); "active" is computed from last_seen.
CREATE TABLE active_nodes (
  node_id    TEXT PRIMARY KEY,
  first_seen INTEGER NOT NULL,
  last_seen  INTEGER NOT NULL,
  status     TEXT,
  status_at  INTEGER NOT NULL,
  continent  TEXT,
  location   TEXT,
  -- arrival time of the heartbeat that set continent and location; NULL before any heartbeat
  place_at   INTEGER
) WITHOUT ROWID;

-- Lifetime totals and distributions; survive pruning of the detail rows.
CREATE TABLE lifetime_counters (
  family TEXT NOT NULL,
  key    TEXT NOT NULL,
  value  INTEGER NOT NULL,
  PRIMARY KEY (family, key)
) WITHOUT ROWID;

CREATE TABLE network_stats_history (
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
CREATE INDEX network_stats_history_published_at ON network_stats_history (published_at);
`;

/** Version 1, as 0.1.0 wrote it (frozen: the starting point of the 1 -> 2 migration, and of experiments). */
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

// 1 -> 2 for nodes: a node's place keeps the time of the heartbeat that set it, so joins and other
// messages at the same or later time cannot hide it. Rows from version 1 hold a place set at or
// before status_at; that is the best time they can be given.
export const V1_TO_V2_NODE_PLACES = `
ALTER TABLE active_nodes ADD COLUMN place_at INTEGER;
UPDATE active_nodes SET place_at = status_at WHERE continent IS NOT NULL OR location IS NOT NULL;
`;
