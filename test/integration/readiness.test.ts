// /readyz follows the broker: 503 with a reason while NATS is away, 200 once it is back; /healthz stays 200 throughout.
import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { AggregatorProcess, tempDir } from "../helpers/aggregator-process.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";
import { waitFor } from "../helpers/wait.ts";

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function start(nats: TestNatsServer): Promise<AggregatorProcess> {
  const service = await AggregatorProcess.start({ env: { NATS_URL: nats.url, DB_PATH: join(tempDir(), "agg.db"), PUBLISH_INTERVAL: "200" } });
  cleanup.push(() => service.stop());
  return service;
}

async function readyzStatus(service: AggregatorProcess, status: number, reason?: string) {
  return waitFor(`/readyz to answer ${status}${reason ? ` (${reason})` : ""}`, async () => {
    const r = await service.http("/readyz");
    return r.status === status && (!reason || r.body.reasons.includes(reason)) ? r : undefined;
  });
}

test("/readyz goes 503 when NATS stops and 200 when it is back", async () => {
  const nats = await TestNatsServer.start();
  cleanup.push(() => nats.dispose());
  const service = await start(nats);
  await service.waitReady();

  await nats.stop();
  const down = await readyzStatus(service, 503, "not connected to NATS");
  expect(down.body.ready).toBe(false);
  expect(down.body.nats.connected).toBe(false);
  expect((await service.http("/healthz")).status).toBe(200);

  await nats.restart();
  const up = await readyzStatus(service, 200);
  expect(up.body).toMatchObject({ ready: true, reasons: [], nats: { connected: true }, database: { writable: true } });
});

test("a broker that is down at start is waited for, not fatal", async () => {
  const nats = await TestNatsServer.start();
  cleanup.push(() => nats.dispose());
  await nats.stop();
  const service = await start(nats);

  const waiting = await readyzStatus(service, 503, "not connected to NATS");
  expect(waiting.body.reasons).toContain("nothing published yet");
  expect((await service.http("/healthz")).status).toBe(200);

  await nats.restart();
  await readyzStatus(service, 200);
  expect(service.stdout.match(/cannot connect to NATS/g)?.length).toBe(1);
});

test("SIGTERM while the broker is away still exits 0 within 5 s", async () => {
  const nats = await TestNatsServer.start();
  cleanup.push(() => nats.dispose());
  const service = await start(nats);
  await service.waitReady();
  await nats.stop();
  await readyzStatus(service, 503, "not connected to NATS");

  const signalled = Date.now();
  expect(await service.stop("SIGTERM")).toBe(0);
  expect(Date.now() - signalled).toBeLessThan(5000);
  expect(service.stdout).not.toContain("shutdown took too long");
});
