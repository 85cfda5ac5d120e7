#!/usr/bin/env bun
// Entry point: parses the command line, runs the chosen command, maps failures to exit codes.
import { ConfigError } from "./config/config.ts";
import { EXIT } from "./cli/exit-codes.ts";
import { mainHelp } from "./cli/help.ts";
import { runCommand } from "./cli/run-command.ts";
import { StorageError } from "./storage/aggregator-store.ts";
import { VERSION } from "./version.ts";

async function main(argv: string[]): Promise<number> {
  const [command = "run", ...rest] = argv;
  if (command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(mainHelp());
    return EXIT.ok;
  }
  if (command === "--version" || command === "-v") {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  if (command === "run") {
    if (rest.includes("--help") || rest.includes("-h")) {
      process.stdout.write(mainHelp());
      return EXIT.ok;
    }
    if (rest.length > 0) return usageError(`run takes no arguments (got "${rest[0]}")`);
    return runCommand(process.env);
  }
  return usageError(`unknown command "${command}"`);
}

function usageError(message: string): number {
  process.stderr.write(`aggregator: ${message}; see aggregator --help\n`);
  return EXIT.usage;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError || (err instanceof StorageError && err.variable)) {
      process.stderr.write(`aggregator: configuration error: ${err.message}\n`);
      process.exit(EXIT.usage);
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`aggregator: error: ${message}\n`);
    process.exit(EXIT.runtime);
  },
);
