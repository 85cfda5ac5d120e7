// Opens SQLite with the runtime's own driver: bun:sqlite under Bun, node:sqlite under Deno, better-sqlite3 under Node.
import { currentRuntime, type Runtime } from "../runtime.ts";

export type SqlValue = string | number | bigint | null | Uint8Array;
export type SqlRow = Record<string, SqlValue>;

export interface SqlStatement {
  run(...params: SqlValue[]): void;
  get(...params: SqlValue[]): SqlRow | undefined;
  all(...params: SqlValue[]): SqlRow[];
}

export interface SqlDatabase {
  readonly driver: "bun:sqlite" | "better-sqlite3" | "node:sqlite";
  exec(sql: string): void;
  prepare(sql: string): SqlStatement;
  close(): void;
}


interface NativeStatement {
  run(...p: unknown[]): unknown;
  get(...p: unknown[]): unknown;
  all(...p: unknown[]): unknown[];
}
interface NativeDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): NativeStatement;
  close(): unknown;
}

function wrap(driver: SqlDatabase["driver"], db: NativeDatabase): SqlDatabase {
  return {
    driver,
    exec: (sql) => void db.exec(sql),
    prepare(sql) {
      const st = db.prepare(sql);
      return {
        run: (...p) => void st.run(...p),
        // bun:sqlite answers null for "no row"; the others undefined.
        get: (...p) => (st.get(...p) ?? undefined) as SqlRow | undefined,
        all: (...p) => st.all(...p) as SqlRow[],
      };
    },
    close: () => void db.close(),
  };
}

export interface OpenSqliteOptions {
  /** Never writes the database (the file must exist): for copies taken beside a running service. */
  readonly?: boolean;
}

/** Opens (creating if needed, unless read-only) the database file at `path` with the driver of the running runtime. */
export async function openSqlite(path: string, opts: OpenSqliteOptions = {}, runtime: Runtime = currentRuntime()): Promise<SqlDatabase> {
  const readonly = opts.readonly === true;
  if (runtime === "bun") {
    const { Database } = await import("bun:sqlite");
    return wrap("bun:sqlite", new Database(path, readonly ? { readonly: true } : { create: true }) as unknown as NativeDatabase);
  }
  if (runtime === "deno") {
    const { DatabaseSync } = await import("node:sqlite");
    return wrap("node:sqlite", new DatabaseSync(path, { readOnly: readonly }) as unknown as NativeDatabase);
  }
  // Kept out of the compiled binary's bundle: only Node ever loads it.
  const moduleName = "better-sqlite3";
  const { default: Database } = (await import(moduleName)) as {
    default: new (path: string, options?: { readonly?: boolean; fileMustExist?: boolean }) => NativeDatabase;
  };
  return wrap("better-sqlite3", new Database(path, readonly ? { readonly: true, fileMustExist: true } : undefined));
}

/** Runs `fn` inside one transaction; rolls back and rethrows if it throws. */
export function transaction<T>(db: SqlDatabase, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const out = fn();
    db.exec("COMMIT");
    return out;
  } catch (err) {
    try {
      db.exec("ROLLBACK");
    } catch {
      // The failed COMMIT may already have rolled back; the original error is what matters.
    }
    throw err;
  }
}
