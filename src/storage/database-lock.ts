// One database, one process: a sidecar SQLite file `<DB_PATH>.lock` whose write lock the running service holds for its life.
import { hostname } from "node:os";
import { fileErrorText } from "../file-errors.ts";
import { StorageError, prepareFolder } from "./aggregator-store.ts";
import { openSqlite, type SqlDatabase } from "./sqlite-driver.ts";

export interface DatabaseLock {
  release(): void;
}

/**
 * How long a second process waits for the lock before giving up: long enough for a restart that
 * overlaps the old process's shutdown, short enough to refuse well inside 5 s.
 */
const WAIT_MS = 2500;

interface Holder {
  pid: number;
  host: string;
  since: string;
}

function isBusy(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e?.code === "SQLITE_BUSY" || /database is locked|SQLITE_BUSY/i.test(String(e?.message ?? ""));
}

function readHolder(db: SqlDatabase): Holder | undefined {
  try {
    const row = db.prepare("SELECT pid, host, since FROM holder WHERE id = 1").get();
    return row ? { pid: Number(row.pid), host: String(row.host), since: String(row.since) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock or throws a StorageError naming the path and the process that holds it. The lock
 * is SQLite's own file lock (an open write transaction), so the kernel drops it when the holder dies,
 * however it dies: a lock left by `kill -9` never blocks a restart. The main database file is not
 * opened here, so a refused start leaves it byte for byte as it was.
 */
export async function lockDatabase(dbPath: string): Promise<DatabaseLock> {
  if (dbPath === ":memory:") return { release() {} };
  prepareFolder(dbPath);
  const path = `${dbPath}.lock`;
  let db: SqlDatabase;
  try {
    db = await openSqlite(path);
    db.exec(`PRAGMA busy_timeout = ${WAIT_MS}`);
  } catch (err) {
    throw new StorageError(`DB_PATH: cannot open the lock file ${path}: ${fileErrorText(err)}`, "DB_PATH");
  }
  const me: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  try {
    // Readers see only committed rows: write our name, commit, then hold a write transaction open.
    // Whoever holds the transaction while the committed row names it owns the lock.
    for (let attempt = 0; attempt < 3; attempt++) {
      db.exec("BEGIN IMMEDIATE");
      db.exec("CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, host TEXT NOT NULL, since TEXT NOT NULL)");
      const held = readHolder(db);
      if (held && held.pid === me.pid && held.host === me.host && held.since === me.since) {
        return {
          release() {
            try {
              db.exec("ROLLBACK");
            } catch {
              // nothing was written in the held transaction; closing drops the lock either way
            }
            db.close();
          },
        };
      }
      db.prepare("INSERT OR REPLACE INTO holder (id, pid, host, since) VALUES (1, ?, ?, ?)").run(me.pid, me.host, me.since);
      db.exec("COMMIT");
    }
    throw new Error("the lock changed hands while it was being taken");
  } catch (err) {
    const holder = isBusy(err) ? readHolder(db) : undefined;
    db.close();
    if (isBusy(err)) {
      const who = holder ? `pid ${holder.pid} on ${holder.host}, running since ${holder.since}` : "another process";
      throw new StorageError(`DB_PATH: ${dbPath} is in use by another aggregator (${who}); one database serves one process`, "DB_PATH");
    }
    throw new StorageError(`DB_PATH: cannot take the lock ${path}: ${(err as Error).message}`, "DB_PATH");
  }
}
