// WalSync: acks wait for an fdatasync that began after their commit; one sync covers many commits; a failed sync drops its waiters.
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { AggregatorStore } from "../../src/storage/aggregator-store.ts";
import { WalSync, walFile, type WalFile } from "../../src/storage/wal-sync.ts";
import { tempDir } from "../helpers/aggregator-process.ts";

/** A WAL whose syncs finish when the test says so. */
function scriptedWal() {
  const pending: ((err: Error | null) => void)[] = [];
  let syncNowCalls = 0;
  const file: WalFile = {
    sync: (done) => void pending.push(done),
    syncNow: () => void syncNowCalls++,
    close: () => undefined,
  };
  return { file, pending, syncNowCalls: () => syncNowCalls };
}

test("a waiter runs only after a sync that began after it; waiters that come during a sync wait for the next one", () => {
  const wal = scriptedWal();
  const sync = new WalSync(wal.file);
  const ran: string[] = [];
  sync.afterDurable(() => ran.push("a"));
  expect(wal.pending.length).toBe(1); // a sync began at once
  sync.afterDurable(() => ran.push("b"));
  sync.afterDurable(() => ran.push("c"));
  expect(wal.pending.length).toBe(1); // b and c wait: their commits came after the sync in flight began
  expect(ran).toEqual([]);
  wal.pending.shift()!(null);
  expect(ran).toEqual(["a"]);
  expect(wal.pending.length).toBe(1); // one sync for b and c together
  wal.pending.shift()!(null);
  expect(ran).toEqual(["a", "b", "c"]);
  expect(sync.pending).toBe(0);
  expect(sync.syncs).toBe(2);
});

test("a failed sync runs none of its waiters and says why; the next waiter gets a new sync", () => {
  const wal = scriptedWal();
  const sync = new WalSync(wal.file);
  const errors: string[] = [];
  sync.onError = (err) => errors.push(err.message);
  const ran: string[] = [];
  sync.afterDurable(() => ran.push("lost"));
  wal.pending.shift()!(new Error("fdatasync agg.db-wal: EIO"));
  expect(ran).toEqual([]);
  expect(errors).toEqual(["fdatasync agg.db-wal: EIO"]);
  sync.afterDurable(() => ran.push("next"));
  wal.pending.shift()!(null);
  expect(ran).toEqual(["next"]);
});

test("syncNow (shutdown) runs the waiters of the sync in flight and the later ones once; the late completion runs nothing again", () => {
  const wal = scriptedWal();
  const sync = new WalSync(wal.file);
  const ran: string[] = [];
  sync.afterDurable(() => ran.push("in flight"));
  sync.afterDurable(() => {
    throw new Error("ack on a closed connection");
  });
  sync.afterDurable(() => ran.push("waiting"));
  sync.syncNow();
  expect(wal.syncNowCalls()).toBe(1);
  expect(ran).toEqual(["in flight", "waiting"]);
  wal.pending.shift()!(null);
  expect(ran).toEqual(["in flight", "waiting"]);
});

test("the real WAL: a store commits with synchronous = NORMAL, and a waiter runs after the -wal file is synced", async () => {
  const path = join(tempDir(), "agg.db");
  const store = await AggregatorStore.open(path);
  try {
    expect(Number(store.db.prepare("PRAGMA synchronous").get()!.synchronous)).toBe(1); // NORMAL
    store.db.exec("CREATE TABLE probe (x); INSERT INTO probe VALUES (1)");
    expect(existsSync(`${path}-wal`)).toBe(true);
    let ran = false;
    store.afterDurable(() => (ran = true));
    expect(ran).toBe(false); // never synchronously
    await new Promise<void>((resolve) => store.afterDurable(resolve));
    expect(ran).toBe(true);
    expect(store.durability.syncs).toBeGreaterThanOrEqual(1);
  } finally {
    store.close();
  }
});

test("a database with no WAL file yet needs no sync: the waiter still runs", async () => {
  const file = walFile(join(tempDir(), "never-written.db"));
  const err = await new Promise<Error | null>((resolve) => file.sync(resolve));
  expect(err).toBeNull();
  file.close();
});
