// The command line: picks the subcommand, runs it, and turns every failure into one readable line and an exit code.
import { CommandFailure, UsageError } from "./cli-errors.ts";
import { COMMANDS, findCommand } from "./commands.ts";
import { EXIT } from "./exit-codes.ts";
import { commandHelp, mainHelp } from "./help.ts";
import { parseOptions, suggest } from "./options.ts";
import { ConfigError } from "../config/config.ts";
import { StorageError } from "../storage/aggregator-store.ts";
import { versionLine } from "../version.ts";

const HELP = ["--help", "-h"];

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) return findCommand("run")!.run(parseOptions("run", [], []), process.env);
  if (HELP.includes(first)) return print(mainHelp(COMMANDS));
  if (first === "--version" || first === "-v" || first === "version") return print(`${versionLine()}\n`);
  if (first === "help") {
    if (rest[0] === undefined) return print(mainHelp(COMMANDS));
    return print(commandHelp(commandNamed(rest[0])));
  }
  if (first.startsWith("-")) throw new UsageError("", `unknown option "${first}"`);
  const command = commandNamed(first);
  if (rest.some((a) => HELP.includes(a))) return print(commandHelp(command));
  return command.run(parseOptions(command.name, command.options, rest), process.env);
}

function commandNamed(name: string) {
  const command = findCommand(name);
  if (command) return command;
  const close = suggest(name, COMMANDS.map((c) => c.name));
  throw new UsageError("", `unknown command "${name}"${close ? ` (did you mean ${close}?)` : ""}`);
}

function print(text: string): number {
  process.stdout.write(text);
  return EXIT.ok;
}

function fail(err: unknown): number {
  if (err instanceof UsageError) {
    const who = err.command ? `aggregator ${err.command}` : "aggregator";
    process.stderr.write(`${who}: ${err.message}; see ${who} --help\n`);
    return EXIT.usage;
  }
  if (err instanceof ConfigError || (err instanceof StorageError && err.variable)) {
    process.stderr.write(`aggregator: configuration error: ${err.message}\n`);
    return EXIT.usage;
  }
  if (err instanceof CommandFailure) {
    process.stderr.write(`aggregator ${err.command}: ${err.message}\n`);
    return EXIT.runtime;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`aggregator: error: ${message}\n`);
  return EXIT.runtime;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => process.exit(fail(err)),
);
