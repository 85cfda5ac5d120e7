// Every subcommand of the aggregator executable, in the order --help lists them.
import { backupCommand } from "./backup-command.ts";
import { checkConfigCommand } from "./check-config-command.ts";
import type { Command } from "./command.ts";
import { demoCommand } from "./demo-command.ts";
import { runCommand } from "./run-command.ts";
import { simulateCommand } from "./simulate-command.ts";
import { statsCommand } from "./stats-command.ts";

export const COMMANDS: readonly Command[] = [runCommand, demoCommand, simulateCommand, statsCommand, checkConfigCommand, backupCommand];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
