// Experiment (not part of `bun run bench`): what one store.task() lookup costs, and how much of it is
// the read transaction SQLite opens around every statement run outside BEGIN..COMMIT (autocommit).
//
//   bun bench/experiments/lookup-transaction.ts [--tasks 1000000]
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { AggregatorStore } from "../../src/storage/aggregator-store.ts";
import { hashFor } from "../../src/simulation/monitor-messages.ts";
import { tempDir } from "../../test/helpers/aggregator-process.ts";
import { intArg } from "../lib/args.ts";
import { buildTaskDb } from "../lib/build-db.ts";

const tasks = intArg("tasks", 1_000_000, 20_000);
const N = Math.min(200_000, tasks);
const db = await buildTaskDb(join(tempDir("agg-exp-"), "tasks.db"), tasks);
const miss = Array.from({ length: N }, (_, i) => hashFor("task", tasks + 1000 + i));
const hitRandom = Array.from({ length: N }, (_, i) => hashFor("task", (i * 4969) % tasks));
const hitRecent = Array.from({ length: N }, (_, i) => hashFor("task", tasks - 1 - (i % Math.min(tasks, 100_000))));

function t(name: string, f: () => void): void {
  f();
  const s = performance.now();
  f();
  console.log(`${name.padEnd(62)} ${(((performance.now() - s) * 1000) / N).toFixed(2)} µs/lookup`);
}

const store = await AggregatorStore.open(db.path);
t("store.task(), new task (miss), autocommit", () => { for (const k of miss) store.task(k); });
t("store.task(), old task (random hit), autocommit", () => { for (const k of hitRandom) store.task(k); });
store.close();

const raw = new Database(db.path);
const get = raw.prepare("SELECT * FROM aggregated_tasks WHERE task_id_hash = ?");
t("raw bun:sqlite get, miss, autocommit", () => { for (const k of miss) get.get(k); });
t("raw bun:sqlite get, miss, inside one BEGIN..COMMIT", () => { raw.exec("BEGIN"); for (const k of miss) get.get(k); raw.exec("COMMIT"); });
t("raw bun:sqlite get, random hit, inside one BEGIN..COMMIT", () => { raw.exec("BEGIN"); for (const k of hitRandom) get.get(k); raw.exec("COMMIT"); });
t("raw bun:sqlite get, recent hit, inside one BEGIN..COMMIT", () => { raw.exec("BEGIN"); for (const k of hitRecent) get.get(k); raw.exec("COMMIT"); });
const inq = raw.prepare(`SELECT * FROM aggregated_tasks WHERE task_id_hash IN (${Array(500).fill("?").join(",")})`);
t("one SELECT ... IN (500 keys) per 500 lookups, miss", () => { for (let i = 0; i < N; i += 500) inq.all(...miss.slice(i, i + 500)); });
const mem = new Database(":memory:");
mem.exec("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID");
const empty = mem.prepare("SELECT * FROM t WHERE k = ?");
t("reference: empty in-memory table (bun:sqlite call overhead)", () => { for (const k of miss) empty.get(k); });
raw.close();
