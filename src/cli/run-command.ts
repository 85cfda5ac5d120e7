// `aggregator run`: starts the service and stops it cleanly on SIGINT/SIGTERM.
import { loadConfig, secretsOf, describeConfig } from "../config/config.ts";
import { createLogger } from "../log/logger.ts";
import { startAggregator } from "../service/aggregator-service.ts";
import { VERSION } from "../version.ts";
import { EXIT } from "./exit-codes.ts";

const SHUTDOWN_DEADLINE_MS = 4500;

export async function runCommand(env: Record<string, string | undefined>): Promise<number> {
  const config = loadConfig(env);
  const log = createLogger({ level: config.logLevel, format: config.logFormat, secrets: secretsOf(config) });
  log.info(`truebit aggregator ${VERSION} starting`, describeConfig(config));

  const service = await startAggregator(config, log);
  const signal = await new Promise<string>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  log.info("shutting down", { signal });
  // A stuck drain must not keep systemd waiting: leave within the deadline either way.
  const deadline = setTimeout(() => {
    log.error("shutdown took too long; exiting", { deadlineMs: SHUTDOWN_DEADLINE_MS });
    process.exit(EXIT.runtime);
  }, SHUTDOWN_DEADLINE_MS);
  await service.stop();
  clearTimeout(deadline);
  return EXIT.ok;
}
