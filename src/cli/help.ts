// The text of --help, generated from the same variable table the configuration is parsed from.
import { VARIABLES } from "../config/config.ts";
import { VERSION } from "../version.ts";

export function mainHelp(): string {
  const width = Math.max(...VARIABLES.map((v) => v.name.length));
  const vars = VARIABLES.map((v) => {
    const dflt = v.default !== undefined ? ` (default ${v.default})` : "";
    return `  ${v.name.padEnd(width)}  ${v.description}${dflt}\n  ${" ".repeat(width)}  allowed: ${v.allowed}`;
  }).join("\n");
  return `aggregator ${VERSION}: TrueBit Federation Aggregator

Subscribes to TrueBit Monitor events on NATS, deduplicates tasks and invoices,
keeps them in SQLite, and publishes network statistics on truebit.stats.aggregated.

Usage:
  aggregator [run]       run the service (the default)
  aggregator --help      show this help
  aggregator --version   print the version

Configuration (environment variables):
${vars}

Health endpoint: GET /healthz, /readyz (200 when ready, 503 with reasons), /metrics, /stats

Exit codes: 0 stopped cleanly, 1 runtime failure, 2 bad usage or configuration.
`;
}
