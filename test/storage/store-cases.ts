// The storage cases as plain named async functions, so the same list runs under bun:sqlite (bun test) and better-sqlite3 (Node).
import assert from "node:assert/strict";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BatchBuilder, type BatchEffect } from "../../src/core/batch.ts";
import { DAY_MS, NetworkState } from "../../src/core/network-state.ts";
import { buildNetworkStats } from "../../src/core/network-stats.ts";
import type { NodeRecord } from "../../src/core/records.ts";
import { decodeMessage } from "../../src/protocol/decode.ts";
import type { InboundEvent, TaskReceivedEvent } from "../../src/protocol/events.ts";
import type { NetworkStats } from "../../src/protocol/stats-message.ts";
import {
  type OutboundMessage, hashFor, heartbeat, invoiceCreated, nodeIdFor, nodeLeft, taskCompleted, taskReceived,
} from "../../src/simulation/monitor-messages.ts";
import { AggregatorStore, StorageError, type OpenOptions } from "../../src/storage/aggregator-store.ts";
import { schemaVersion } from "../../src/storage/migrations.ts";
import { openSqlite } from "../../src/storage/sqlite-driver.ts";

// Both runners start in the project root (the Node one runs a bundle elsewhere, so not import.meta).
const FIXTURE_DB = join(process.cwd(), "test/fixtures/v0.1.0.db");
const FIXTURE_FIGURES = join(process.cwd(), "test/fixtures/v0.1.0-figures.json");

export interface StoreCase {
  name: string;
  /** `dir` is a fresh, empty temporary folder that the runner removes afterwards. */
  run(dir: string): Promise<void>;
}

const HOUR = 60 * 60 * 1000;
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const STATS_OPTS = { activeWindowMs: 5 * 60 * 1000 };
const TABLES = ["aggregated_tasks", "aggregated_invoices", "active_nodes", "network_stats_history"] as const;

const A = nodeIdFor(0xa);
const B = nodeIdFor(0xb);
const C = nodeIdFor(0xc);
const t = (i: number) => hashFor("task", i);
const inv = (i: number) => hashFor("invoice", i);

function ev(msg: OutboundMessage, at: number): InboundEvent {
  const r = decodeMessage(msg.subject, new TextEncoder().encode(msg.payload), at);
  if (!r.ok) throw new Error(`test message rejected: ${r.reason}`);
  return r.event;
}

function effectOf(store: AggregatorStore, state: NetworkState, events: InboundEvent[]): BatchEffect {
  const builder = new BatchBuilder(store, state.nodes);
  for (const e of events) builder.add(e);
  return builder.effect();
}

/** What the pipeline does: build against stored rows, commit, then apply to memory. */
function ingest(store: AggregatorStore, state: NetworkState, events: InboundEvent[]): BatchEffect {
  const effect = effectOf(store, state, events);
  store.commit(effect);
  state.apply(effect);
  return effect;
}

function sortedCounters(store: AggregatorStore, now = NOW): [string, string, number][] {
  return [...store.restore(now).counters.entries()].sort((x, y) => `${x[0]}/${x[1]}`.localeCompare(`${y[0]}/${y[1]}`));
}

function rowCounts(store: AggregatorStore): Record<string, number> {
  return Object.fromEntries(TABLES.map((table) => [table, store.countRows(table)]));
}

function stats(state: NetworkState, now: number): NetworkStats {
  return buildNetworkStats(state, now, STATS_OPTS).data;
}

function sortedNodes(nodes: Iterable<NodeRecord>): NodeRecord[] {
  return [...nodes].sort((x, y) => x.nodeId.localeCompare(y.nodeId));
}

/** A small federation's worth of traffic: finished, cached, failed and open tasks, invoices, three nodes, one gone. */
function sampleTraffic(): InboundEvent[] {
  return [
    ev(heartbeat(A, { continentBucket: "EU", locationBucket: "52.5,13.5" }), NOW - 60_000),
    ev(heartbeat(B, { continentBucket: "NA", locationBucket: "40.7,-74.0" }), NOW - 60_000),
    ev(taskReceived(A, { taskIdHash: t(1), chainId: "1", taskType: "wasm" }), NOW - 25 * HOUR),
    ev(taskCompleted(A, { taskIdHash: t(1), chainId: "1", success: true, executionTimeBucket: "1-5s", gasUsedBucket: "<100K" }), NOW - 25 * HOUR + 5000),
    ev(taskCompleted(B, { taskIdHash: t(2), chainId: "137", success: true, cached: true, executionTimeBucket: "<100ms" }), NOW - 2 * HOUR),
    ev(taskReceived(B, { taskIdHash: t(2), chainId: "137", taskType: "js" }), NOW - HOUR),
    ev(taskCompleted(C, { taskIdHash: t(3), success: false, gasUsedBucket: ">100M" }), NOW - 30_000),
    ev(taskReceived(C, { taskIdHash: t(4), blockNumber: 17, blockHash: `0x${"ab".repeat(32)}`, taskHash: "QmT4" }), NOW - 20_000),
    ev(invoiceCreated(A, { invoiceIdHash: inv(1), taskIdHash: t(1), chainId: "1", stepsComputedBucket: "1M-10M", memoryUsedBucket: "<64MB" }), NOW - 25 * HOUR),
    ev(invoiceCreated(B, { invoiceIdHash: inv(2), stepsComputedBucket: "<100K" }), NOW - HOUR),
    ev(nodeLeft(C), NOW - 10_000),
  ];
}

interface Fixture {
  now: number;
  statsOptions: { activeWindowMs: number; minNodesPerBucket: number };
  rows: Record<string, number>;
  figures: NetworkStats;
}

/** A copy of the 0.1.0 fixture database in `dir`, and what 0.1.0 published from it. */
function fixtureCopy(dir: string): { path: string; fixture: Fixture } {
  const path = join(dir, "agg.db");
  copyFileSync(FIXTURE_DB, path);
  return { path, fixture: JSON.parse(readFileSync(FIXTURE_FIGURES, "utf8")) as Fixture };
}

/** What a service started on `store` publishes at the fixture's instant. */
function figuresAtFixtureTime(store: AggregatorStore, fixture: Fixture): NetworkStats {
  const state = new NetworkState(store.restore(fixture.now, DAY_MS, fixture.statsOptions.activeWindowMs));
  return buildNetworkStats(state, fixture.now, fixture.statsOptions).data;
}

async function withStore<T>(path: string, fn: (store: AggregatorStore) => T | Promise<T>, opts?: OpenOptions): Promise<T> {
  const store = await AggregatorStore.open(path, opts);
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

export const STORE_CASES: StoreCase[] = [
  {
    name: "open creates the missing folder and the schema, in WAL mode",
    async run(dir) {
      const path = join(dir, "not", "yet", "there", "aggregator.db");
      await withStore(path, (store) => {
        assert.ok(existsSync(path), "database file exists");
        assert.equal(store.path, path);
        assert.equal(String(store.db.prepare("PRAGMA journal_mode").get()?.journal_mode).toLowerCase(), "wal");
        const tables = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((r) => String(r.name));
        for (const table of [...TABLES, "lifetime_counters", "schema_meta", "task_key_log", "invoice_key_log"]) assert.ok(tables.includes(table), `table ${table} exists`);
        assert.equal(String(store.db.prepare("SELECT value FROM schema_meta WHERE key = 'version'").get()?.value), "2");
        assert.deepEqual(rowCounts(store), { aggregated_tasks: 0, aggregated_invoices: 0, active_nodes: 0, network_stats_history: 0 });
        assert.ok(store.restore(NOW).counters.isEmpty());
      });
      // Opening again finds the schema in place and keeps it.
      await withStore(path, (store) => {
        assert.equal(String(store.db.prepare("PRAGMA journal_mode").get()?.journal_mode).toLowerCase(), "wal");
        assert.equal(store.countRows("aggregated_tasks"), 0);
      });
    },
  },
  {
    name: "commit writes the batch's rows and counters; repeats write nothing new",
    async run(dir) {
      await withStore(join(dir, "agg.db"), (store) => {
        const state = new NetworkState();
        const effect = ingest(store, state, sampleTraffic());
        assert.equal(effect.accepted, 11);
        assert.deepEqual(rowCounts(store), { aggregated_tasks: 4, aggregated_invoices: 2, active_nodes: 3, network_stats_history: 0 });

        const t1 = store.task(t(1));
        assert.ok(t1, "task 1 stored");
        assert.equal(t1.firstSeen, NOW - 25 * HOUR);
        assert.equal(t1.firstNodeId, A);
        assert.equal(t1.chainId, "1");
        assert.equal(t1.taskType, "wasm");
        assert.equal(t1.received, true);
        assert.deepEqual(t1.outcome, { success: true, status: "completed", cached: false, executionTimeBucket: "1-5s", gasUsedBucket: "<100K", at: NOW - 25 * HOUR + 5000 });
        const t4 = store.task(t(4));
        assert.deepEqual(
          t4 && { blockNumber: t4.blockNumber, blockHash: t4.blockHash, taskHash: t4.taskHash, outcome: t4.outcome, taskType: t4.taskType },
          { blockNumber: 17, blockHash: `0x${"ab".repeat(32)}`, taskHash: "QmT4", outcome: null, taskType: "unknown" },
        );
        assert.deepEqual(store.invoice(inv(1)), {
          invoiceIdHash: inv(1), firstSeen: NOW - 25 * HOUR, firstNodeId: A, taskIdHash: t(1), chainId: "1",
          stepsComputedBucket: "1M-10M", memoryUsedBucket: "<64MB", operation: "compute",
        });
        assert.equal(store.task(t(99)), undefined);
        assert.equal(store.invoice(inv(99)), undefined);

        const c = store.restore(NOW).counters;
        assert.deepEqual(
          { tasks: c.total("tasks"), completed: c.total("completed"), failed: c.total("failed"), cached: c.total("cached"), invoices: c.total("invoices"), nodes: c.total("nodes") },
          { tasks: 4, completed: 2, failed: 1, cached: 1, invoices: 2, nodes: 3 },
        );
        assert.deepEqual(c.distribution("chain"), { "1": 1, "137": 1 });
        assert.deepEqual(c.distribution("taskType"), { wasm: 1, js: 1, unknown: 1 });

        // The same traffic again, as a redelivery: rows and counters stay as they are.
        const before = sortedCounters(store);
        const again = ingest(store, state, sampleTraffic().filter((e) => e.type !== "heartbeat" && e.type !== "node_left"));
        assert.equal(again.duplicates, 8);
        assert.ok(again.counters.isEmpty(), "a pure repeat changes no counter");
        assert.deepEqual(sortedCounters(store), before);
        assert.equal(store.countRows("aggregated_tasks"), 4);
      });
    },
  },
  {
    name: "restore after close and reopen gives the same counters, nodes and 24 h windows",
    async run(dir) {
      const path = join(dir, "agg.db");
      const live = new NetworkState();
      await withStore(path, (store) => {
        ingest(store, live, sampleTraffic());
        ingest(store, live, [
          ev(taskReceived(A, { taskIdHash: t(5), chainId: "1" }), NOW - 23 * HOUR),
          ev(heartbeat(A, { continentBucket: "EU", locationBucket: "52.5,13.5" }), NOW - 1000),
        ]);
      });
      await withStore(path, (store) => {
        const restored = new NetworkState(store.restore(NOW));
        assert.deepEqual([...restored.counters.entries()].sort(), [...live.counters.entries()].sort());
        assert.deepEqual(sortedNodes(restored.nodes.values()), sortedNodes(live.nodes.values()));
        const s = stats(restored, NOW);
        assert.deepEqual(
          { tasks: s.totalTasks, last24h: s.tasksLast24h, invoices: s.totalInvoices, invoices24h: s.invoicesLast24h, active: s.activeNodes, nodes: s.totalNodes },
          { tasks: 5, last24h: 4, invoices: 2, invoices24h: 1, active: 2, nodes: 3 },
        );
        // Time only moves forward for the windows, so compare at increasing instants.
        for (const now of [NOW, NOW + HOUR + 1, NOW + 23 * HOUR + 1, NOW + 2 * DAY_MS]) {
          assert.deepEqual(stats(restored, now), stats(live, now), `stats at NOW + ${(now - NOW) / HOUR} h`);
        }
      });
    },
  },
  {
    name: "a commit that fails part-way throws and leaves rows and counters as they were",
    async run(dir) {
      await withStore(join(dir, "agg.db"), (store) => {
        const state = new NetworkState();
        ingest(store, state, sampleTraffic());
        const rowsBefore = rowCounts(store);
        const countersBefore = sortedCounters(store);

        // Fails on the last statement of the batch: tasks, invoices, nodes and the totals are already written by then.
        store.db.exec(`CREATE TRIGGER refuse_chain BEFORE INSERT ON lifetime_counters
          WHEN NEW.family = 'chain' AND NEW.key = 'explode' BEGIN SELECT RAISE(ABORT, 'provoked failure'); END`);
        const effect = effectOf(store, state, [
          ev(taskReceived(B, { taskIdHash: t(50), taskType: "wasm" }), NOW - 500),
          ev(invoiceCreated(B, { invoiceIdHash: inv(50) }), NOW - 400),
          ev(heartbeat(nodeIdFor(0xe)), NOW - 300),
          ev(taskCompleted(B, { taskIdHash: t(51), chainId: "explode", success: true }), NOW - 200),
        ]);
        assert.throws(() => store.commit(effect), /provoked failure/);
        assert.deepEqual(rowCounts(store), rowsBefore);
        assert.deepEqual(sortedCounters(store), countersBefore);
        assert.equal(store.task(t(50)), undefined);
        assert.equal(store.invoice(inv(50)), undefined);

        // No transaction is left open: once the cause is gone the same batch commits.
        store.db.exec("DROP TRIGGER refuse_chain");
        store.commit(effect);
        state.apply(effect);
        assert.equal(store.countRows("aggregated_tasks"), rowsBefore.aggregated_tasks! + 2);
        const c = store.restore(NOW).counters;
        assert.equal(c.total("tasks"), 6);
        assert.equal(c.total("nodes"), 4);
        assert.equal(c.get("chain", "explode"), 1);
      });
    },
  },
  {
    name: "a commit on a closed database throws and nothing is written",
    async run(dir) {
      const path = join(dir, "agg.db");
      const store = await AggregatorStore.open(path);
      const state = new NetworkState();
      ingest(store, state, sampleTraffic());
      const rowsBefore = rowCounts(store);
      const countersBefore = sortedCounters(store);
      const effect = effectOf(store, state, [ev(taskReceived(A, { taskIdHash: t(60) }), NOW)]);
      store.close();
      assert.throws(() => store.commit(effect));
      await withStore(path, (reopened) => {
        assert.deepEqual(rowCounts(reopened), rowsBefore);
        assert.deepEqual(sortedCounters(reopened), countersBefore);
        assert.equal(reopened.task(t(60)), undefined);
      });
    },
  },
  {
    name: "pruneOnce removes tasks, invoices and history older than the cutoff; lifetime counters stay",
    async run(dir) {
      await withStore(join(dir, "agg.db"), (store) => {
        const state = new NetworkState();
        const old = NOW - 40 * DAY_MS;
        ingest(store, state, [
          ev(taskCompleted(A, { taskIdHash: t(1), chainId: "1", success: true }), old),
          ev(invoiceCreated(A, { invoiceIdHash: inv(1) }), old),
          ev(taskReceived(A, { taskIdHash: t(2), chainId: "137" }), NOW - DAY_MS),
          ev(invoiceCreated(A, { invoiceIdHash: inv(2) }), NOW - DAY_MS),
        ]);
        store.recordStats(buildNetworkStats(state, old, STATS_OPTS), old);
        store.recordStats(buildNetworkStats(state, NOW - HOUR, STATS_OPTS), NOW - HOUR);
        const countersBefore = sortedCounters(store);
        assert.deepEqual(rowCounts(store), { aggregated_tasks: 2, aggregated_invoices: 2, active_nodes: 1, network_stats_history: 2 });

        assert.equal(store.pruneOnce(NOW - 30 * DAY_MS), 3);
        assert.deepEqual(rowCounts(store), { aggregated_tasks: 1, aggregated_invoices: 1, active_nodes: 1, network_stats_history: 1 });
        assert.equal(store.task(t(1)), undefined);
        assert.ok(store.task(t(2)));
        assert.equal(store.invoice(inv(1)), undefined);
        assert.deepEqual(sortedCounters(store), countersBefore);
        const c = store.restore(NOW).counters;
        assert.equal(c.total("tasks"), 2);
        assert.equal(c.total("completed"), 1);
        assert.equal(c.total("invoices"), 2);
        assert.deepEqual(c.distribution("chain"), { "1": 1, "137": 1 });

        assert.equal(store.pruneOnce(NOW - 30 * DAY_MS), 0);
        const kept = store.db.prepare("SELECT published_at FROM network_stats_history").all().map((r) => Number(r.published_at));
        assert.deepEqual(kept, [NOW - HOUR]);
      });
    },
  },
  {
    name: "pruneOnce works through a large backlog in bounded steps until nothing old is left",
    async run(dir) {
      await withStore(join(dir, "agg.db"), (store) => {
        const state = new NetworkState();
        const old = NOW - 40 * DAY_MS;
        const template = ev(taskReceived(A, { taskIdHash: t(0) }), old) as TaskReceivedEvent;
        const backlog = 12_345;
        const events: InboundEvent[] = [];
        for (let i = 0; i < backlog; i++) events.push({ ...template, at: old + i, data: { ...template.data, taskIdHash: hashFor("bulk", i) } });
        events.push(ev(taskReceived(A, { taskIdHash: t(1) }), NOW));
        ingest(store, state, events);
        assert.equal(store.countRows("aggregated_tasks"), backlog + 1);

        const steps: number[] = [];
        for (let n = store.pruneOnce(NOW - 30 * DAY_MS); n > 0; n = store.pruneOnce(NOW - 30 * DAY_MS)) {
          steps.push(n);
          assert.ok(steps.length <= 100, "pruning terminates");
        }
        assert.ok(steps.length > 1, `one call must not delete the whole backlog at once (steps: ${steps.join(",")})`);
        assert.equal(steps.reduce((a, b) => a + b, 0), backlog);
        assert.equal(store.countRows("aggregated_tasks"), 1);
        assert.equal(store.restore(NOW).counters.total("tasks"), backlog + 1);
      });
    },
  },
  {
    name: "a DB_PATH folder that cannot be created gives a StorageError naming the path",
    async run(dir) {
      // A regular file where a folder should be: refused even for root, unlike permission bits.
      writeFileSync(join(dir, "blocker"), "not a folder");
      const folder = join(dir, "blocker", "sub");
      await assert.rejects(AggregatorStore.open(join(folder, "aggregator.db")), (err: unknown) => {
        assert.ok(err instanceof StorageError, `expected a StorageError, got ${String(err)}`);
        assert.equal(err.name, "StorageError");
        assert.match(err.message, /DB_PATH/);
        assert.ok(err.message.includes(folder), `message names ${folder}: ${err.message}`);
        return true;
      });
    },
  },
  {
    name: "a DB_PATH that is a folder gives a StorageError naming the path",
    async run(dir) {
      await assert.rejects(AggregatorStore.open(dir), (err: unknown) => {
        assert.ok(err instanceof StorageError, `expected a StorageError, got ${String(err)}`);
        assert.ok(err.message.includes(dir), `message names ${dir}: ${err.message}`);
        return true;
      });
    },
  },
  {
    name: "a database whose schema is newer than this code is refused with one line naming both versions, and its file left byte for byte",
    async run(dir) {
      const path = join(dir, "agg.db");
      await withStore(path, (store) => {
        ingest(store, new NetworkState(), sampleTraffic());
        store.db.exec("UPDATE schema_meta SET value = '7' WHERE key = 'version'");
        store.db.exec("INSERT INTO schema_meta (key, value) VALUES ('instance_id', 'kept')");
        // As a newer build might leave it: not in WAL mode, so a stray journal_mode pragma would show in the bytes.
        store.db.exec("PRAGMA journal_mode = DELETE");
      });
      const before = readFileSync(path);
      await assert.rejects(AggregatorStore.open(path), (err: unknown) => {
        assert.ok(err instanceof StorageError, `expected a StorageError, got ${String(err)}`);
        assert.equal(err.variable, "DB_PATH", "an operator's fix: exit code 2");
        assert.match(err.message, /schema version 7; this aggregator supports schema version 2 and older/);
        assert.ok(!err.message.includes("\n"), "one line");
        assert.ok(err.message.includes(path), `message names ${path}: ${err.message}`);
        return true;
      });
      assert.ok(readFileSync(path).equals(before), "the file is unchanged, byte for byte");
      assert.ok(!existsSync(`${path}-wal`), "no WAL was created");
      const raw = await openSqlite(path);
      try {
        assert.equal(String(raw.prepare("SELECT value FROM schema_meta WHERE key = 'version'").get()?.value), "7");
        assert.equal(Number(raw.prepare("SELECT COUNT(*) AS n FROM aggregated_tasks").get()?.n), 4);
      } finally {
        raw.close();
      }
    },
  },
  {
    name: "ids whose dedup keys collide stay two tasks: the full hash decides",
    async run(dir) {
      await withStore(join(dir, "agg.db"), (store) => {
        const state = new NetworkState();
        ingest(store, state, [ev(taskReceived(A, { taskIdHash: t(1), chainId: "1" }), NOW - 1000)]);
        const rowOf1 = Number(store.db.prepare("SELECT id FROM aggregated_tasks WHERE task_id_hash = ?").get(t(1))!.id);
        // Force a collision: t(2)'s key now also points at t(1)'s row, as if the two keys were equal.
        store.tasks.index.add(store.tasks.key(t(2)), rowOf1);
        assert.equal(store.task(t(2)), undefined, "a colliding key is not a match");
        ingest(store, state, [
          ev(taskCompleted(B, { taskIdHash: t(2), chainId: "137", success: false }), NOW - 500),
          ev(taskReceived(A, { taskIdHash: t(1).toUpperCase(), chainId: "10" }), NOW - 400),
        ]);
        assert.equal(store.countRows("aggregated_tasks"), 2, "the colliding id is a new task; the upper-case spelling is t(1) (decoding lowercases)");
        assert.equal(store.task(t(1))?.chainId, "1", "the first task is untouched");
        assert.equal(store.task(t(2))?.outcome?.success, false);
        // A repeat of the colliding id is recognised as a repeat.
        const again = ingest(store, state, [ev(taskCompleted(B, { taskIdHash: t(2), chainId: "137", success: false }), NOW - 500)]);
        assert.equal(again.duplicates, 1);
        assert.equal(store.restore(NOW).counters.total("tasks"), 2);
      });
    },
  },
  {
    name: "after a restart the rebuilt index recognises every stored id, and pruned ids are gone from it",
    async run(dir) {
      const path = join(dir, "agg.db");
      const old = NOW - 40 * DAY_MS;
      const template = ev(taskReceived(A, { taskIdHash: t(0) }), old) as TaskReceivedEvent;
      const many = (from: number, n: number, at: number) => Array.from({ length: n }, (_, i) =>
        ({ ...template, at: at + i, data: { ...template.data, taskIdHash: hashFor("bulk", from + i) } }) as InboundEvent);
      await withStore(path, (store) => {
        const state = new NetworkState();
        ingest(store, state, many(0, 3000, old));
        ingest(store, state, many(3000, 3000, NOW - HOUR));
        assert.equal(store.pruneOnce(NOW - 30 * DAY_MS), 3000);
      });
      await withStore(path, (store) => {
        assert.equal(store.tasks.index.size, 3000, "only live rows are indexed after the restart");
        const state = new NetworkState(store.restore(NOW));
        const again = ingest(store, state, many(3000, 3000, NOW - HOUR));
        assert.equal(again.duplicates, 3000, "every stored id is a repeat after the restart");
        const pruned = ingest(store, state, many(0, 10, NOW - 60_000));
        assert.equal(pruned.duplicates, 0, "a pruned id is new again");
        assert.equal(store.countRows("aggregated_tasks"), 3010);
      });
    },
  },
  {
    name: "node rows: a lastSeen that moved less than 10 s waits for the next write or a clean close; any other change is written at once",
    async run(dir) {
      const path = join(dir, "agg.db");
      const storedLastSeen = (store: AggregatorStore) => Number(store.db.prepare("SELECT last_seen FROM active_nodes WHERE node_id = ?").get(A)!.last_seen);
      await withStore(path, (store) => {
        const state = new NetworkState();
        ingest(store, state, [ev(heartbeat(A, { continentBucket: "EU" }), NOW - 60_000)]);
        assert.equal(storedLastSeen(store), NOW - 60_000);
        ingest(store, state, [ev(taskReceived(A, { taskIdHash: t(1) }), NOW - 55_000)]);
        assert.equal(storedLastSeen(store), NOW - 60_000, "5 s later: held back");
        assert.equal(store.node(A)?.lastSeen, NOW - 55_000, "lookups see the newest");
        ingest(store, state, [ev(taskReceived(A, { taskIdHash: t(2) }), NOW - 45_000)]);
        assert.equal(storedLastSeen(store), NOW - 45_000, "15 s later: written");
        ingest(store, state, [ev(nodeLeft(A), NOW - 44_000)]);
        assert.equal(String(store.db.prepare("SELECT status FROM active_nodes WHERE node_id = ?").get(A)!.status), "offline", "a status is written at once");
        ingest(store, state, [ev(taskReceived(A, { taskIdHash: t(3) }), NOW - 40_000)]);
        assert.equal(storedLastSeen(store), NOW - 44_000);
      });
      await withStore(path, (store) => assert.equal(storedLastSeen(store), NOW - 40_000, "a clean close wrote the newest"));
    },
  },
  {
    name: "a 0.1.0 database is migrated in place, keeps other schema_meta keys, and gives exactly the figures 0.1.0 gave",
    async run(dir) {
      const { path, fixture } = fixtureCopy(dir);
      const raw = await openSqlite(path);
      raw.exec("INSERT INTO schema_meta (key, value) VALUES ('instance_id', 'node-a')");
      raw.close();
      const lines: string[] = [];
      const log = { info: (msg: string, fields?: Record<string, unknown>) => void lines.push(`${msg} ${JSON.stringify(fields)}`) };
      await withStore(path, (store) => {
        assert.equal(lines.length, 2, lines.join("\n"));
        assert.match(lines[0]!, /^migrating database schema .*"fromVersion":1,"toVersion":2/);
        assert.match(lines[1]!, /^database schema migrated .*"fromVersion":1,"toVersion":2/);
        const meta = Object.fromEntries(store.db.prepare("SELECT key, value FROM schema_meta").all().map((r) => [r.key, r.value]));
        assert.equal(meta.version, "2");
        assert.equal(meta.instance_id, "node-a", "other keys stay");
        assert.deepEqual(rowCounts(store), fixture.rows);
        assert.deepEqual(figuresAtFixtureTime(store, fixture), fixture.figures);
        // The rebuilt index knows the migrated rows.
        const hash = String(store.db.prepare("SELECT task_id_hash AS h FROM aggregated_tasks ORDER BY id LIMIT 1").get()!.h);
        const stored = store.task(hash);
        assert.ok(stored, "a migrated task is found by its hash");
        assert.equal(store.db.prepare("PRAGMA integrity_check").get()?.integrity_check, "ok");
      }, { log });
      // Opening again: already version 2, no migration lines.
      lines.length = 0;
      await withStore(path, () => assert.deepEqual(lines, []), { log });
    },
  },
  {
    name: "a migration that fails part-way rolls back: the 0.1.0 file keeps version 1 and its rows, and migrates once the cause is gone",
    async run(dir) {
      const { path, fixture } = fixtureCopy(dir);
      // A table in the way of the last steps: the task and invoice tables are already rebuilt when it fails.
      let raw = await openSqlite(path);
      raw.exec("CREATE TABLE invoice_key_log (in_the_way INTEGER)");
      raw.close();
      await assert.rejects(AggregatorStore.open(path), /invoice_key_log already exists/);
      raw = await openSqlite(path);
      try {
        assert.equal(schemaVersion(raw), 1);
        const autoIndexes = raw.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name LIKE 'sqlite_autoindex_aggregated_%'").get()!.n;
        assert.equal(Number(autoIndexes), 2, "the 0.1.0 unique indexes are still there");
        assert.equal(Number(raw.prepare("SELECT COUNT(*) AS n FROM aggregated_tasks").get()!.n), fixture.rows.aggregated_tasks);
        assert.equal(raw.prepare("SELECT name FROM sqlite_master WHERE name = 'aggregated_tasks_v2'").get(), undefined);
        raw.exec("DROP TABLE invoice_key_log");
      } finally {
        raw.close();
      }
      await withStore(path, (store) => assert.deepEqual(figuresAtFixtureTime(store, fixture), fixture.figures));
    },
  },
];
