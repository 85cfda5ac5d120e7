// `aggregator run`: starts the service and stops it cleanly on SIGINT/SIGTERM.
import { loadConfig, secretsOf, describeConfig } from "../config/config.ts";
import { createLogger } from "../log/logger.ts";
import { startAggregator } from "../service/aggregator-service.ts";
import { VERSION } from "../version.ts";
import { assertTransportAvailable } from "./cli-connection.ts";
import type { Command } from "./command.ts";
import { EXIT } from "./exit-codes.ts";
import { configurationHelp, healthHelp } from "./help.ts";

const SHUTDOWN_DEADLINE_MS = 4500;

export const runCommand: Command = {
  name: "run",
  summary: "run the service (the default)",
  usage: "[run]",
  description: `Runs the aggregator until SIGINT or SIGTERM: subscribes to the monitors' subjects,
stores what they report in SQLite and publishes network stats every PUBLISH_INTERVAL.
It is configured only by environment variables (below); a bad value stops it at once
with exit code 2 and one line naming the variable. The first log line shows the
effective configuration with secrets redacted.`,
  options: [],
  examples: ["NATS_URL=nats://127.0.0.1:4222 DB_PATH=./data/aggregator.db aggregator run"],
  moreHelp: () => `${configurationHelp()}\n${healthHelp()}`,
  async run(_options, env) {
    const config = loadConfig(env);
    assertTransportAvailable(config.nats, "NATS_URL");
    const log = createLogger({ level: config.logLevel, format: config.logFormat, secrets: secretsOf(config) });
    log.info(`truebit aggregator ${VERSION} starting`, describeConfig(config));

    // Signals that arrive during start-up are honoured once the service is up.
    const signal = new Promise<string>((resolve) => {
      process.once("SIGINT", () => resolve("SIGINT"));
      process.once("SIGTERM", () => resolve("SIGTERM"));
    });
    const service = await startAggregator(config, log);
    log.info("shutting down", { signal: await signal });
    // A stuck drain must not keep systemd waiting: leave within the deadline either way.
    const deadline = setTimeout(() => {
      log.error("shutdown took too long; exiting", { deadlineMs: SHUTDOWN_DEADLINE_MS });
      process.exit(EXIT.runtime);
    }, SHUTDOWN_DEADLINE_MS);
    await service.stop();
    clearTimeout(deadline);
    return EXIT.ok;
  },
};
