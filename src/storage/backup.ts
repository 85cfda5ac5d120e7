// A consistent copy of a live database through VACUUM INTO on a read-only connection: the writer is never blocked.
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import { schemaVersion } from "./migrations.ts";
import { openSqlite } from "./sqlite-driver.ts";
import { StorageError } from "./storage-error.ts";
import { fileErrorText } from "../file-errors.ts";

export interface BackupResult {
  target: string;
  bytes: number;
  schemaVersion: number;
  tasks: number;
  invoices: number;
  tookMs: number;
}

function count(db: Awaited<ReturnType<typeof openSqlite>>, table: string): number {
  const exists = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
  return exists ? Number(db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get()!.n) : 0;
}

/**
 * Copies `source` to `target` as one snapshot: a WAL reader sees the last commit before it began
 * and the service keeps writing meanwhile. The copy is written beside the target, checked,
 * synced and then renamed into place, so `target` is either absent or complete.
 */
export async function backupDatabase(source: string, target: string): Promise<BackupResult> {
  const started = Date.now();
  if (!existsSync(source)) throw new StorageError(`DB_PATH: database ${source} does not exist`, "DB_PATH");
  const partial = `${target}.partial-${process.pid}`;
  rmSync(partial, { force: true });
  try {
    let db;
    try {
      db = await openSqlite(source, { readonly: true });
    } catch (err) {
      throw new StorageError(`DB_PATH: cannot open database ${source} read-only: ${fileErrorText(err)}`, "DB_PATH");
    }
    try {
      db.exec("PRAGMA busy_timeout = 5000");
      db.prepare("VACUUM INTO ?").run(partial);
    } catch (err) {
      throw new StorageError(`cannot copy ${source} to ${partial}: ${(err as Error).message}`);
    } finally {
      db.close();
    }
    const copy = await openSqlite(partial, { readonly: true });
    let result: Omit<BackupResult, "bytes" | "tookMs">;
    try {
      const check = String(copy.prepare("PRAGMA quick_check").get()?.quick_check);
      if (check !== "ok") throw new StorageError(`the copy ${partial} failed its integrity check: ${check}`);
      result = {
        target, schemaVersion: schemaVersion(copy), tasks: count(copy, "aggregated_tasks"), invoices: count(copy, "aggregated_invoices"),
      };
    } finally {
      copy.close();
    }
    const fd = openSync(partial, "r+");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(partial, target);
    return { ...result, bytes: statSync(target).size, tookMs: Date.now() - started };
  } finally {
    rmSync(partial, { force: true });
  }
}
