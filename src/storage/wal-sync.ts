// Makes commits durable off the main thread: fdatasync of the WAL in the background, then whatever waited on those commits (acks).
//
// The connection commits with synchronous = NORMAL: a COMMIT writes its WAL frames and returns without
// an fsync. That is already safe against a killed process (the frames are in the OS's page cache) but
// not against a power cut, so nothing that promises durability (a JetStream ack) may follow a COMMIT
// directly. It waits here instead, for an fdatasync of the WAL file that began after its commit; one
// sync covers every commit before it (group commit), and it runs on the runtime's I/O threads while
// the main thread goes on with the next batch. Checkpoints keep SQLite's own syncs (NORMAL syncs the
// WAL before it is copied into the database and the database before the WAL is reused).
import { closeSync, fdatasync, fdatasyncSync, openSync } from "node:fs";

/** One fdatasync of the WAL, asynchronous or not; no file yet (nothing written) counts as done. */
export interface WalFile {
  sync(done: (err: Error | null) => void): void;
  syncNow(): void;
  close(): void;
}

/** The `-wal` file beside the database, opened the first time it is synced. */
export function walFile(dbPath: string): WalFile {
  const path = `${dbPath}-wal`;
  let fd: number | null = null;
  const open = (): number | null => {
    if (fd !== null) return fd;
    try {
      fd = openSync(path, "r");
    } catch (err) {
      // No WAL yet: nothing has been committed that a sync would have to cover.
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
    return fd;
  };
  return {
    sync(done) {
      let f: number | null;
      try {
        f = open();
      } catch (err) {
        queueMicrotask(() => done(new Error(`cannot open ${path} to sync it: ${(err as Error).message}`)));
        return;
      }
      if (f === null) queueMicrotask(() => done(null));
      else fdatasync(f, (err) => done(err ? new Error(`fdatasync ${path}: ${err.message}`) : null));
    },
    syncNow() {
      const f = open();
      if (f !== null) fdatasyncSync(f);
    },
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}

/** Runs callbacks once every commit made before they were registered is on disk. */
export class WalSync {
  /** Registered since the sync in flight began: they need the next one. */
  private waiting: (() => void)[] = [];
  private inFlight: (() => void)[] | null = null;
  /** Syncs done, and the time they took on the I/O thread (for /metrics and the benches). */
  syncs = 0;
  syncMs = 0;
  /** A sync failed: its waiters are dropped (no ack goes out; JetStream redelivers, and repeats are recognised). */
  onError?: (err: Error) => void;

  constructor(private readonly file: WalFile, private readonly now: () => number = () => performance.now()) {}

  /** `fn` runs after a sync that began after this call; never synchronously. */
  afterDurable(fn: () => void): void {
    this.waiting.push(fn);
    if (!this.inFlight) this.start();
  }

  get pending(): number {
    return this.waiting.length + (this.inFlight?.length ?? 0);
  }

  private start(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.inFlight = batch;
    const started = this.now();
    this.file.sync((err) => {
      // Already run by syncNow (shutdown) while this was on its way.
      if (this.inFlight !== batch) return;
      this.inFlight = null;
      if (err) this.onError?.(err);
      else {
        this.syncs++;
        this.syncMs += this.now() - started;
        run(batch);
      }
      if (this.waiting.length > 0) this.start();
    });
  }

  /**
   * Syncs on this thread and runs every waiter, the sync in flight's included (shutdown, before the
   * connection drains). Throws, running nothing, if the sync fails.
   */
  syncNow(): void {
    const all = [...(this.inFlight ?? []), ...this.waiting];
    this.inFlight = null;
    this.waiting = [];
    this.file.syncNow();
    this.syncs++;
    run(all);
  }

  close(): void {
    this.file.close();
  }
}

function run(fns: readonly (() => void)[]): void {
  for (const fn of fns) {
    try {
      fn();
    } catch {
      // a waiter's failure is its own (an ack on a closed connection); the others still run
    }
  }
}
