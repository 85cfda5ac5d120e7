// `aggregator backup PATH`: a consistent copy of the service's database, taken while it runs.
import { existsSync } from "node:fs";
import { VARIABLES } from "../config/config.ts";
import { backupDatabase } from "../storage/backup.ts";
import { StorageError } from "../storage/storage-error.ts";
import { CommandFailure, UsageError } from "./cli-errors.ts";
import type { Command } from "./command.ts";
import { EXIT } from "./exit-codes.ts";

const NAME = "backup";
const DEFAULT_DB_PATH = VARIABLES.find((v) => v.name === "DB_PATH")!.default!;

export const backupCommand: Command = {
  name: NAME,
  summary: "copy the database consistently while the service runs",
  usage: "backup PATH [--db FILE]",
  description: `Writes a consistent copy of the database (DB_PATH, as the service reads it) to PATH
with SQLite's VACUUM INTO, on a read-only connection: the running service is not stopped
or slowed for it and keeps committing, and the copy holds everything committed before the
backup began. The copy is checked and synced before it appears at PATH. To restore it:
stop the service, copy the file over DB_PATH, remove DB_PATH-wal and DB_PATH-shm, start.`,
  options: [
    { name: "path", kind: "text", value: "PATH", positional: true, required: true, description: "the new file to write; it must not exist yet" },
    { name: "db", kind: "text", value: "FILE", description: `the database to copy; default DB_PATH, else ${DEFAULT_DB_PATH}` },
  ],
  examples: ["aggregator backup /var/backups/aggregator-$(date +%F).db", "DB_PATH=./data/aggregator.db aggregator backup ./aggregator-copy.db"],
  async run(options, env) {
    const target = options.text("path")!;
    const source = options.text("db") ?? (env.DB_PATH?.trim() || DEFAULT_DB_PATH);
    if (existsSync(target)) throw new UsageError(NAME, `${target} already exists; give a new file name (a backup never overwrites)`);
    let result;
    try {
      result = await backupDatabase(source, target);
    } catch (err) {
      if (err instanceof StorageError && err.variable) throw err;
      throw new CommandFailure(NAME, err instanceof Error ? err.message : String(err));
    }
    const mb = (result.bytes / 1e6).toFixed(1);
    process.stdout.write(`backup of ${source} written to ${target}: schema version ${result.schemaVersion}, ` +
      `${result.tasks.toLocaleString("en-US")} tasks, ${result.invoices.toLocaleString("en-US")} invoices, ${mb} MB in ${result.tookMs} ms\n`);
    return EXIT.ok;
  },
};
