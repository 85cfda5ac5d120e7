// Per-test servers and services for the security tests, stopped after each test whatever its outcome.
import { afterEach } from "bun:test";
import { join } from "node:path";
import { AggregatorProcess, tempDir } from "../helpers/aggregator-process.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";

const cleanup: Array<() => Promise<unknown>> = [];

/** Call once at the top of a test file. */
export function stopAfterEachTest(): void {
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => undefined);
  });
}

export function onCleanup(fn: () => Promise<unknown>): void {
  cleanup.push(fn);
}

export async function natsServer(opts: Parameters<typeof TestNatsServer.start>[0]): Promise<TestNatsServer> {
  const nats = await TestNatsServer.start(opts);
  cleanup.push(() => nats.dispose());
  return nats;
}

export async function service(env: Record<string, string>): Promise<AggregatorProcess> {
  const svc = await AggregatorProcess.start({ env: { DB_PATH: join(tempDir(), "agg.db"), PUBLISH_INTERVAL: "200", INGEST_MODE: "core", ...env } });
  cleanup.push(() => svc.stop());
  return svc;
}
