// The text of --help: the command list, each command's options, and the variable table the configuration is parsed from.
import { VARIABLES } from "../config/config.ts";
import { VERSION } from "../version.ts";
import type { Command } from "./command.ts";
import type { OptionSpec } from "./options.ts";

const EXIT_CODES = "Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration.";
/** Help stays readable in a 100-column terminal; longer descriptions wrap under themselves. */
const WIDTH = 100;

/** `left` in a column of `indent` characters, then `text` wrapped so that every line fits WIDTH. */
function column(left: string, indent: number, text: string): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  lines.push(line);
  return lines.map((l, i) => `${(i === 0 ? left : "").padEnd(indent)}${l}`).join("\n");
}

export function configurationHelp(): string {
  const width = Math.max(...VARIABLES.map((v) => v.name.length));
  const vars = VARIABLES.map((v) => {
    const dflt = v.default !== undefined ? `; default ${v.default}` : "";
    return `${column(`  ${v.name}`, width + 4, `${v.description}${dflt}`)}\n${column("", width + 4, `allowed: ${v.allowed}`)}`;
  }).join("\n");
  return `Configuration (environment variables; under systemd, /etc/aggregator/env):
${vars}
`;
}

export function healthHelp(): string {
  return "Health endpoint: GET /healthz, /readyz (200 when ready, 503 with reasons), /api/status,\n" +
    "/api/stats (also /stats), /api/history; GET /metrics for Prometheus; the dashboard at /;\n" +
    "/readyz, /api/status and /metrics name this instance and its role (leader, standby or single)\n";
}

export function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), "help COMMAND".length);
  const list = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n");
  return `aggregator ${VERSION}: TrueBit Federation Aggregator

Subscribes to TrueBit Monitor events on NATS, deduplicates tasks and invoices,
keeps them in SQLite, and publishes network statistics on truebit.stats.aggregated.

Usage: aggregator [COMMAND] [OPTIONS]

Commands:
${list}
  ${"help COMMAND".padEnd(width)}  show the options of one command (also: aggregator COMMAND --help)

  aggregator --version   print the version
  aggregator --help      show this help

${configurationHelp()}
${healthHelp()}
${EXIT_CODES}
`;
}

function optionLine(o: OptionSpec): [string, string] {
  const left = o.positional ? (o.value ?? o.name) : `--${o.name}${o.value ? ` ${o.value}` : ""}`;
  const notes = [o.required ? "required" : "", o.default !== undefined ? `default ${o.default}` : ""].filter(Boolean);
  return [left, notes.length ? `${o.description}; ${notes.join(", ")}` : o.description];
}

export function commandHelp(c: Command): string {
  const lines = [...c.options.map(optionLine), ["-h, --help", "show this help"] as [string, string]];
  const width = Math.max(...lines.map(([l]) => l.length));
  const options = lines.map(([l, r]) => column(`  ${l}`, width + 4, r)).join("\n");
  const examples = c.examples?.length ? `\nExamples:\n${c.examples.map((e) => `  ${e}`).join("\n")}\n` : "";
  const more = c.moreHelp ? `\n${c.moreHelp()}` : "";
  return `Usage: aggregator ${c.usage}

${c.description}

Options:
${options}
${examples}${more}
${EXIT_CODES}
`;
}
