// What an operator reads in journald: level, message and key=value lines by default, JSON with LOG_FORMAT=json; a start-up banner; no secret anywhere.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { AggregatorProcess, tempDir } from "../helpers/aggregator-process.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";
import { waitFor } from "../helpers/wait.ts";

const PASSWORD = "s3cret-Pa55word";
let nats: TestNatsServer;

beforeAll(async () => {
  nats = await TestNatsServer.start({ config: `authorization { user: aggregator, password: "${PASSWORD}" }` });
});
afterAll(async () => {
  await nats?.dispose();
});

async function runOnce(env: Record<string, string>): Promise<string[]> {
  const service = await AggregatorProcess.start({
    env: { NATS_URL: nats.url, NATS_USER: "aggregator", NATS_PASSWORD: PASSWORD, DB_PATH: join(tempDir(), "agg.db"), PUBLISH_INTERVAL: "200", ...env },
  });
  try {
    await service.waitReady();
    await waitFor("an interval summary in the log", () => service.stdout.includes("interval summary"));
  } finally {
    expect(await service.stop("SIGTERM")).toBe(0);
  }
  expect(service.stderr).toBe("");
  expect(service.stdout + service.stderr).not.toContain(PASSWORD);
  return service.stdout.trimEnd().split("\n");
}

test("text lines: LEVEL message key=value, starting with the effective configuration, secrets redacted", async () => {
  const lines = await runOnce({});
  for (const line of lines) expect(line).toMatch(/^(DEBUG|INFO |WARN |ERROR) [a-z].*?( [A-Za-z_.]+=("[^"]*"|\S+))*$/);
  expect(lines[0]).toMatch(/^INFO  truebit aggregator \d+\.\d+\.\d+ starting NATS_URL=nats:\/\/127\.0\.0\.1:\d+ NATS_AUTH="user aggregator, password \[redacted\]" /);
  for (const key of ["DB_PATH=", "PUBLISH_INTERVAL=200", "HTTP_PORT=", "LOG_FORMAT=text"]) expect(lines[0]).toContain(key);
  expect(lines.some((l) => /^INFO  connected to NATS server=127\.0\.0\.1:\d+$/.test(l))).toBe(true);
  expect(lines.at(-1)).toMatch(/^INFO  stopped /);
  expect(lines).toContain("INFO  shutting down signal=SIGTERM");
});

test("LOG_FORMAT=json: one JSON object per line with time, level and msg", async () => {
  const lines = await runOnce({ LOG_FORMAT: "json" });
  const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const e of entries) {
    expect(typeof e.time).toBe("string");
    expect(["debug", "info", "warn", "error"]).toContain(e.level as string);
    expect(typeof e.msg).toBe("string");
  }
  expect(entries[0]).toMatchObject({ level: "info", NATS_AUTH: "user aggregator, password [redacted]", LOG_FORMAT: "json", PUBLISH_INTERVAL: 200 });
  expect(String(entries[0]!.msg)).toMatch(/^truebit aggregator \d+\.\d+\.\d+ starting$/);
});
