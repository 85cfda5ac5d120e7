// Refused credentials and refused permissions: the service stays up, says why once, and does not flood its log.
import { expect, setDefaultTimeout, test } from "bun:test";
import type { AggregatorProcess } from "../helpers/aggregator-process.ts";
import { waitFor } from "../helpers/wait.ts";
import { STATS_SUBJECT } from "../../src/protocol/subjects.ts";
import { natsServer, service, stopAfterEachTest } from "./harness.ts";

setDefaultTimeout(30_000);
stopAfterEachTest();

function alive(svc: AggregatorProcess): boolean {
  try {
    process.kill(svc.pid!, 0);
    return true;
  } catch {
    return false;
  }
}

const linesWith = (text: string, needle: string) => text.split("\n").filter((l) => l.includes(needle));

test("wrong password: the service keeps retrying without crashing, /readyz says why, the log says it once", async () => {
  const nats = await natsServer({ config: `authorization { users: [ { user: svc, password: "right-password" } ] }` });
  const svc = await service({ NATS_URL: nats.url, NATS_USER: "svc", NATS_PASSWORD: "wrong-password" });

  // Every /readyz answer while the service retries is a 503 naming the refusal; the broker's
  // own log proves the retries happen (one authorization error per attempt).
  const answers: any[] = [];
  await waitFor("the broker to have refused the service 4 times", async () => {
    const r = await svc.http("/readyz");
    answers.push({ status: r.status, ...r.body });
    return (nats.output.match(/authorization violation|authentication error/gi)?.length ?? 0) >= 4;
  }, 15_000, 100);

  const readyz = await svc.http("/readyz");
  expect(readyz.status).toBe(503);
  expect(readyz.body.ready).toBe(false);
  expect(readyz.body.reasons).toContain("not connected to NATS");
  expect(readyz.body.nats.connected).toBe(false);
  expect(readyz.body.nats.lastError).toMatch(/Authorization Violation/i);
  expect(answers.every((a) => a.status === 503 && a.reasons.includes("not connected to NATS"))).toBe(true);
  // Once the first attempt failed, every answer names the refusal.
  const afterFirstFailure = answers.slice(answers.findIndex((a) => a.nats.lastError));
  expect(afterFirstFailure.length).toBeGreaterThan(0);
  expect(afterFirstFailure.every((a) => /Authorization Violation/i.test(a.nats.lastError))).toBe(true);

  expect(alive(svc)).toBe(true);
  expect((await svc.http("/healthz")).status).toBe(200);
  const lines = linesWith(svc.stdout + svc.stderr, "cannot connect to NATS");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(`127.0.0.1:${nats.port}`);
  expect(lines[0]).toMatch(/Authorization Violation/i);

  // And it still stops cleanly on request.
  expect(await svc.stop("SIGTERM")).toBe(0);
});

test(`an aggregator user that may not publish ${STATS_SUBJECT}: one log line naming the subject, no crash`, async () => {
  const nats = await natsServer({ config: `authorization { users: [
    { user: svc, password: "pw", permissions: { publish: { allow: [">"], deny: ["${STATS_SUBJECT}"] }, subscribe: { allow: [">"] } } }
  ] }` });
  const svc = await service({ NATS_URL: nats.url, NATS_USER: "svc", NATS_PASSWORD: "pw" });

  const out = () => svc.stdout + svc.stderr;
  await waitFor("a log line about the refused publish", () => linesWith(out(), STATS_SUBJECT).length > 0, 10_000);
  // ~2 s at PUBLISH_INTERVAL=200: ten more refused publishes, counted by the service's own summary lines.
  const summariesBefore = linesWith(out(), "interval summary").length;
  await waitFor("ten more publish intervals", () => linesWith(out(), "interval summary").length >= summariesBefore + 10, 10_000);

  const refusals = linesWith(out(), STATS_SUBJECT);
  expect(refusals).toHaveLength(1);
  expect(refusals[0]).toMatch(/Permissions? Violation/i);
  expect(alive(svc)).toBe(true);
  expect((await svc.http("/healthz")).status).toBe(200);
  // The refusal is visible to whoever looks at readiness, too.
  expect((await svc.http("/readyz")).body.nats.lastError).toContain(STATS_SUBJECT);
  expect(await svc.stop("SIGTERM")).toBe(0);
});
