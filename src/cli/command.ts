// What every subcommand declares: its help text, its options, and what it runs.
import type { OptionSpec, ParsedOptions } from "./options.ts";

export type Env = Record<string, string | undefined>;

export interface Command {
  name: string;
  /** One line for the command list of `aggregator --help`. */
  summary: string;
  /** What follows "aggregator " on the usage line. */
  usage: string;
  /** Paragraphs shown under the usage line. */
  description: string;
  options: readonly OptionSpec[];
  examples?: readonly string[];
  /** Extra sections of this command's help (the configuration table, for instance). */
  moreHelp?: () => string;
  /** Returns the process exit code. */
  run(options: ParsedOptions, env: Env): Promise<number>;
}
