// Experiment (not part of `bun run bench`): cost per new task of the storage layout, with task ids in
// random order (sha256, as monitors send them). Each batch does what IngestPipeline.flush does for new
// tasks: a lookup per task, then the row writes, in batches of 4,500 tasks (one 5,000-message batch).
//
//   bun bench/experiments/sqlite-layout.ts [--rows 450000] [--variant N]
import { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { PRAGMAS, SCHEMA_V1 } from "../../src/storage/schema.ts";
import { tempDir } from "../../test/helpers/aggregator-process.ts";
import { intArg } from "../lib/args.ts";

const ROWS = intArg("rows", 450_000, 20_000);
const only = intArg("variant", 0, 0);
const BATCH = 4500;
const dir = tempDir("agg-exp-");
const keys = Array.from({ length: ROWS }, (_, i) => createHash("sha256").update(`task:${i}`).digest("hex"));
const hex = (i: number) => i.toString(16).padStart(64, "0");
const now = Date.now();

interface Variant {
  name: string;
  setup: string;
  insert: string;
  select: string;
  key: (k: string) => string | Uint8Array;
  row: (k: string, i: number) => (string | number | Uint8Array)[];
}

const currentInsert = `INSERT OR REPLACE INTO aggregated_tasks (task_id_hash, first_seen, first_node_id, chain_id, task_type, block_number,
  block_hash, task_hash, received, success, status, cached, execution_time_bucket, gas_used_bucket, completed_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const current = (extra: string, name: string): Variant => ({
  name,
  setup: `${SCHEMA_V1}\n${extra}`,
  insert: currentInsert,
  select: "SELECT * FROM aggregated_tasks WHERE task_id_hash = ?",
  key: (k) => k,
  row: (k, i) => [k, now + i, "node-00000001-0000-4000-8000-000000000000", "1", "wasm", 19_000_000 + i, `0x${hex(i)}`, hex(i), 1, 1, "completed", 0, "1-5s", "<100K", now + i],
});
const slimTable = `CREATE TABLE tasks2 (id INTEGER PRIMARY KEY, h BLOB NOT NULL UNIQUE, first_seen INTEGER NOT NULL, first_node_id TEXT,
  chain_id TEXT, task_type TEXT, received INTEGER, success INTEGER, status TEXT, cached INTEGER, etb TEXT, gub TEXT, completed_at INTEGER);
  CREATE INDEX tasks2_fs ON tasks2 (first_seen);`;
const slim = (extra: string, name: string): Variant => ({
  name,
  setup: `${extra}\n${slimTable}`,
  insert: "INSERT INTO tasks2 (h, first_seen, first_node_id, chain_id, task_type, received, success, status, cached, etb, gub, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  select: "SELECT * FROM tasks2 WHERE h = ?",
  key: (k) => Buffer.from(k, "hex"),
  row: (k, i) => [Buffer.from(k, "hex"), now + i, "node-00000001-0000-4000-8000-000000000000", "1", "wasm", 1, 1, "completed", 0, "1-5s", "<100K", now + i],
});
const TUNED = "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 20000;";
const variants: Variant[] = [
  current("", "1. service today: WITHOUT ROWID, 64-char TEXT key, full row, synchronous=FULL"),
  current("PRAGMA synchronous = NORMAL;", "2. as 1 with synchronous=NORMAL"),
  current(TUNED, "3. as 1 with cache_size 64 MB + wal_autocheckpoint 20000"),
  slim("", "4. rowid table + UNIQUE 32-byte BLOB hash, no block/task hash columns"),
  slim(TUNED, "5. as 4 with cache_size 64 MB + wal_autocheckpoint 20000"),
];

for (const [n, v] of variants.entries()) {
  if (only && only !== n + 1) continue;
  const path = join(dir, `v${n + 1}.db`);
  const db = new Database(path);
  db.exec(PRAGMAS);
  db.exec(v.setup);
  const ins = db.prepare(v.insert);
  const sel = db.prepare(v.select);
  const t0 = performance.now();
  let lookupMs = 0;
  for (let b = 0; b < ROWS; b += BATCH) {
    const end = Math.min(ROWS, b + BATCH);
    const l0 = performance.now();
    db.exec("BEGIN IMMEDIATE");
    for (let i = b; i < end; i++) sel.get(v.key(keys[i]!));
    lookupMs += performance.now() - l0;
    for (let i = b; i < end; i++) ins.run(...v.row(keys[i]!, i));
    db.exec("COMMIT");
  }
  const ms = performance.now() - t0;
  console.log(`${v.name}\n    ${((ms * 1000) / ROWS).toFixed(1)} µs per new task (of which lookup ${((lookupMs * 1000) / ROWS).toFixed(1)}), ${Math.round(ROWS / (ms / 1000)).toLocaleString()} tasks/s`);
  db.close();
  for (const f of ["", "-wal", "-shm"]) rmSync(path + f, { force: true });
}
