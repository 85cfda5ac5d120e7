// Builds an aggregator database with N stored tasks fast: schema from AggregatorStore.open, then rows
// generated inside SQLite (recursive CTE) in big transactions, then the matching lifetime_counters.
import { Database } from "bun:sqlite";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import {
  CONTINENT_BUCKETS, EXECUTION_TIME_BUCKETS, GAS_USED_BUCKETS, MEMORY_USED_BUCKETS, STEPS_COMPUTED_BUCKETS,
} from "../../src/protocol/buckets.ts";
import { AggregatorStore } from "../../src/storage/aggregator-store.ts";
import { INVOICE_KEYS, TASK_KEYS, writeKeyLog } from "../../src/storage/keyed-rows.ts";
import { keySeed } from "../../src/storage/migrations.ts";
import { openSqlite, transaction } from "../../src/storage/sqlite-driver.ts";
import { log } from "./result.ts";

const DAY_MS = 86_400_000;
const CHUNK = 1_000_000;

export interface BuiltDb {
  path: string;
  tasks: number;
  invoices: number;
  nodes: number;
  /** The build's "now": newest first_seen and every node's last_seen. */
  now: number;
  spreadDays: number;
  /** Tasks whose first_seen falls in the 24 hours before `now`. */
  tasksLast24h: number;
  buildMs: number;
}

export interface BuildOptions {
  /** first_seen is spread evenly over this many days before now (stay under RETENTION_DAYS = 30). */
  spreadDays?: number;
  /** One invoice per this many tasks. */
  tasksPerInvoice?: number;
  nodes?: number;
  now?: number;
  /** Reuse an existing file built with the same parameters (a .json sidecar records them). */
  reuse?: boolean;
}

/** Hex of the first 8 characters of a namespace, as hashFor() in src/simulation/monitor-messages.ts. */
function head(namespace: string): string {
  return Array.from(namespace.padEnd(8, "_").slice(0, 8), (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
}

function pick(expr: string, labels: readonly string[]): string {
  return `CASE ${expr} ${labels.map((l, i) => `WHEN ${i} THEN '${l}'`).join(" ")} END`;
}

export async function buildTaskDb(path: string, tasks: number, opts: BuildOptions = {}): Promise<BuiltDb> {
  const spreadDays = opts.spreadDays ?? 29.5;
  const tasksPerInvoice = opts.tasksPerInvoice ?? 10;
  const nodes = opts.nodes ?? 1000;
  const sidecar = `${path}.json`;
  if (opts.reuse && existsSync(path) && existsSync(sidecar)) {
    const meta = JSON.parse(readFileSync(sidecar, "utf8")) as BuiltDb;
    if (meta.tasks === tasks && meta.spreadDays === spreadDays && meta.nodes === nodes) {
      log(`reusing ${path} (${tasks.toLocaleString()} tasks, built ${new Date(meta.now).toISOString()})`);
      return meta;
    }
  }
  for (const f of [path, `${path}-wal`, `${path}-shm`, sidecar]) rmSync(f, { force: true });
  const t0 = performance.now();
  const now = opts.now ?? Date.now();
  const spreadMs = Math.round(spreadDays * DAY_MS);
  const start = now - spreadMs;

  // The service's own schema and pragmas.
  (await AggregatorStore.open(path)).close();

  const db = new Database(path);
  db.exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000; PRAGMA temp_store = MEMORY;");

  const nodeId = (expr: string) => `'node-' || printf('%08x', ${expr}) || '-0000-4000-8000-000000000000'`;
  const firstSeen = (n: number) => `(${start} + (i * ${spreadMs}) / ${Math.max(1, n - 1)})`;
  const taskCte = `WITH RECURSIVE c(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM c WHERE i + 1 < ?2)`;
  const finished = "i % 20 <> 19";
  const insertTasks = db.prepare(`${taskCte}
    INSERT INTO aggregated_tasks (task_id_hash, first_seen, first_node_id, chain_id, task_type, block_number, block_hash,
      task_hash, received, success, status, cached, execution_time_bucket, gas_used_bucket, completed_at)
    SELECT '${head("task")}' || printf('%048x', i), ${firstSeen(tasks)}, ${nodeId(`i % ${nodes}`)},
      ${pick("i % 4", ["1", "137", "42161", "10"])}, ${pick("i % 3", ["wasm", "js", "unknown"])},
      19000000 + i, '0x${head("block")}' || printf('%048x', i), '${head("taskhash")}' || printf('%048x', i), 1,
      CASE WHEN ${finished} THEN (i % 10 <> 0) END,
      CASE WHEN ${finished} THEN (CASE WHEN i % 10 <> 0 THEN 'completed' ELSE 'failed' END) END,
      CASE WHEN ${finished} THEN (i % 5 = 0) END,
      CASE WHEN ${finished} THEN ${pick(`i % ${EXECUTION_TIME_BUCKETS.length}`, EXECUTION_TIME_BUCKETS)} END,
      CASE WHEN ${finished} THEN ${pick(`i % ${GAS_USED_BUCKETS.length}`, GAS_USED_BUCKETS)} END,
      CASE WHEN ${finished} THEN ${firstSeen(tasks)} + 1500 END
    FROM c`);
  const invoices = Math.floor(tasks / tasksPerInvoice);
  const insertInvoices = db.prepare(`${taskCte}
    INSERT INTO aggregated_invoices (invoice_id_hash, first_seen, first_node_id, task_id_hash, chain_id,
      steps_computed_bucket, memory_used_bucket, operation)
    SELECT '${head("invoice")}' || printf('%048x', i), ${firstSeen(invoices)}, ${nodeId(`(i * ${tasksPerInvoice}) % ${nodes}`)},
      '${head("task")}' || printf('%048x', i * ${tasksPerInvoice}), ${pick(`(i * ${tasksPerInvoice}) % 4`, ["1", "137", "42161", "10"])},
      ${pick(`i % ${STEPS_COMPUTED_BUCKETS.length}`, STEPS_COMPUTED_BUCKETS)}, ${pick(`i % ${MEMORY_USED_BUCKETS.length}`, MEMORY_USED_BUCKETS)}, 'compute'
    FROM c`);

  const fill = (what: string, st: ReturnType<typeof db.prepare>, total: number) => {
    for (let from = 0; from < total; from += CHUNK) {
      const to = Math.min(total, from + CHUNK);
      db.transaction(() => st.run(from, to))();
      if (total > CHUNK) log(`  ${what}: ${to.toLocaleString()} / ${total.toLocaleString()} rows (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  };
  fill("tasks", insertTasks, tasks);
  fill("invoices", insertInvoices, invoices);

  const insertNode = db.prepare(`INSERT INTO active_nodes (node_id, first_seen, last_seen, status, status_at, continent, location)
    VALUES (?, ?, ?, 'online', ?, ?, ?)`);
  db.transaction(() => {
    for (let n = 0; n < nodes; n++) {
      const id = `node-${n.toString(16).padStart(8, "0")}-0000-4000-8000-000000000000`;
      insertNode.run(id, start, now, now, CONTINENT_BUCKETS[n % CONTINENT_BUCKETS.length]!, `${((n % 170) - 85).toFixed(1)},${((n % 350) - 175).toFixed(1)}`);
    }
  })();

  // Lifetime counters exactly as the core would have counted these rows (taskContributions / invoiceContributions).
  const counters = new Map<string, number>();
  const add = (family: string, key: string, n: number) => counters.set(`${family}\u0000${key}`, (counters.get(`${family}\u0000${key}`) ?? 0) + n);
  for (const r of db.query(`SELECT success, cached, execution_time_bucket AS e, gas_used_bucket AS g, chain_id AS c, task_type AS t,
      COUNT(*) AS n FROM aggregated_tasks GROUP BY 1, 2, 3, 4, 5, 6`).all() as any[]) {
    add("total", "tasks", r.n);
    if (r.c !== null) add("chain", r.c, r.n);
    if (r.t !== null) add("taskType", r.t, r.n);
    if (r.success !== null) {
      add("total", r.success ? "completed" : "failed", r.n);
      if (r.cached) add("total", "cached", r.n);
      add("executionTime", r.e, r.n);
      add("gasUsage", r.g, r.n);
    }
  }
  for (const r of db.query(`SELECT steps_computed_bucket AS s, memory_used_bucket AS m, COUNT(*) AS n FROM aggregated_invoices GROUP BY 1, 2`).all() as any[]) {
    add("total", "invoices", r.n);
    add("stepsComputed", r.s, r.n);
    add("memoryUsed", r.m, r.n);
  }
  add("total", "nodes", nodes);
  const putCounter = db.prepare("INSERT OR REPLACE INTO lifetime_counters (family, key, value) VALUES (?, ?, ?)");
  db.transaction(() => {
    for (const [k, v] of counters) {
      const [family, key] = k.split("\u0000");
      putCounter.run(family!, key!, v);
    }
  })();
  const tasksLast24h = (db.query("SELECT COUNT(*) AS n FROM aggregated_tasks WHERE first_seen > ?").get(now - DAY_MS) as { n: number }).n;
  db.exec("PRAGMA journal_mode = WAL;");
  db.close();
  // The dedup index's key logs, as the service would have written them commit by commit.
  const keyed = await openSqlite(path);
  transaction(keyed, () => {
    const seed = keySeed(keyed);
    writeKeyLog(keyed, TASK_KEYS, seed);
    writeKeyLog(keyed, INVOICE_KEYS, seed);
  });
  keyed.close();

  const built: BuiltDb = { path, tasks, invoices, nodes, now, spreadDays, tasksLast24h, buildMs: performance.now() - t0 };
  writeFileSync(sidecar, JSON.stringify(built));
  log(`built ${path}: ${tasks.toLocaleString()} tasks, ${invoices.toLocaleString()} invoices, ${nodes} nodes in ${(built.buildMs / 1000).toFixed(1)} s`);
  return built;
}
