// Secrets never leave the process: not in its output over a whole life (start, failures, shutdown), not over HTTP, not in help or config errors.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { AggregatorProcess, runCli, tempDir } from "../helpers/aggregator-process.ts";
import { freePort } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait.ts";
import { makeJwtSetup, makeNkeyUser } from "./credentials.ts";
import { natsServer, onCleanup, stopAfterEachTest } from "./harness.ts";

setDefaultTimeout(30_000);
stopAfterEachTest();

const PATHS = ["/healthz", "/readyz", "/metrics", "/api/status", "/stats", "/api/stats", "/api/history", "/", "/no-such-page"];

/**
 * One whole life of the service: start, either become ready (and ingest a message) or fail
 * to connect, answer every HTTP path, stop on SIGTERM. Returns everything it said to anyone.
 */
async function lifeOf(env: Record<string, string>, outcome: "ready" | "refused", during?: (svc: AggregatorProcess) => Promise<void>): Promise<string> {
  // Debug level so every line the service can write is written.
  const svc = await AggregatorProcess.start({ env: { DB_PATH: join(tempDir(), "agg.db"), PUBLISH_INTERVAL: "200", INGEST_MODE: "core", LOG_LEVEL: "debug", ...env } });
  onCleanup(() => svc.stop());
  const heard: string[] = [];
  if (outcome === "ready") {
    await svc.waitReady();
  } else {
    await waitFor("the service to report its NATS connection error", async () => (await svc.http("/readyz")).body?.nats?.lastError, 15_000, 50);
  }
  for (const path of PATHS) {
    const r = await svc.http(path);
    heard.push(`${path} ${r.status} ${r.text}`);
  }
  if (during) {
    await during(svc);
    for (const path of PATHS) heard.push(`${path} ${(await svc.http(path)).text}`);
  }
  const code = await svc.stop("SIGTERM");
  heard.push(`exit ${code}`, svc.stdout, svc.stderr);
  // The whole life really was recorded: a run that said nothing would prove nothing.
  expect(svc.stdout).toContain("starting");
  expect(svc.stdout).toContain("stopped");
  return heard.join("\n");
}

/** Fails with the offending line, not a wall of text, when `secret` appears in `text`. */
function expectNoSecret(text: string, secret: string): void {
  const leaks = text.split("\n").filter((l) => l.includes(secret));
  expect(leaks).toEqual([]);
}

describe("password", () => {
  const PASSWORD = "pw-Leak-Canary-7f1d2a9c";

  test("never printed or served: a good life and a refused one", async () => {
    const nats = await natsServer({ config: `authorization { users: [ { user: svc, password: "${PASSWORD}" } ] }` });
    // Mid-life the broker restarts: the disconnect and reconnect paths log too.
    const good = await lifeOf({ NATS_URL: nats.url, NATS_USER: "svc", NATS_PASSWORD: PASSWORD }, "ready", async (svc) => {
      await nats.restart();
      await waitFor("the service to reconnect", () => svc.stdout.includes("reconnected to NATS"), 15_000);
    });
    expect(good).toContain("disconnected from NATS");
    expectNoSecret(good, PASSWORD);

    const other = await natsServer({ config: `authorization { users: [ { user: svc, password: "another-one" } ] }` });
    const refused = await lifeOf({ NATS_URL: other.url, NATS_USER: "svc", NATS_PASSWORD: PASSWORD, LOG_FORMAT: "json" }, "refused");
    expect(refused).toMatch(/Authorization Violation/i);
    expectNoSecret(refused, PASSWORD);
  });

  test("in NATS_URL as user:password@: not printed, whether the server refuses, is down, or the URL is unusable", async () => {
    const nats = await natsServer({ websocket: true, config: `authorization { users: [ { user: svc, password: "another-one" } ] }` });
    const closedPort = await freePort();
    const lives = [
      await lifeOf({ NATS_URL: `nats://svc:${PASSWORD}@127.0.0.1:${nats.port}` }, "refused"),
      await lifeOf({ NATS_URL: `nats://svc:${PASSWORD}@127.0.0.1:${closedPort}` }, "refused"),
      // The WebSocket transport has its own error texts, which could quote the URL they were given.
      await lifeOf({ NATS_URL: `ws://svc:${PASSWORD}@127.0.0.1:${nats.wsPort}` }, "refused"),
      await lifeOf({ NATS_URL: `ws://svc:${PASSWORD}@127.0.0.1:${closedPort}` }, "refused"),
    ];
    for (const life of lives) expectNoSecret(life, PASSWORD);

    for (const url of [`http://svc:${PASSWORD}@127.0.0.1:4`, `nats://svc:${PASSWORD}@[not-a-host`, `nats://svc:${PASSWORD}@127.0.0.1:4,ws://127.0.0.1:5`]) {
      const r = await runCli([], { NATS_URL: url, DB_PATH: join(tempDir(), "agg.db") });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("NATS_URL");
      expectNoSecret(`${r.stdout}\n${r.stderr}`, PASSWORD);
    }
  });

  test("not in config errors, check-config or --help when set", async () => {
    const env = { NATS_URL: "nats://127.0.0.1:4", NATS_USER: "svc", NATS_PASSWORD: PASSWORD, DB_PATH: join(tempDir(), "agg.db") };
    await expectQuietCli(env, PASSWORD);
    // The password given without a user is a config error of its own.
    const alone = await runCli([], { ...env, NATS_USER: "" });
    expect(alone.code).toBe(2);
    expectNoSecret(`${alone.stdout}\n${alone.stderr}`, PASSWORD);
  });
});

/** A bad PUBLISH_INTERVAL next to the secret, `check-config`, and `--help`: none of them show it. */
async function expectQuietCli(env: Record<string, string>, secret: string): Promise<void> {
  const bad = await runCli([], { ...env, PUBLISH_INTERVAL: "5" });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("PUBLISH_INTERVAL");
  const check = await runCli(["check-config"], env);
  expect(check.code).toBe(0);
  const help = await runCli(["--help"], env);
  const runHelp = await runCli(["run", "--help"], env);
  expect(help.code).toBe(0);
  expect(runHelp.code).toBe(0);
  expectNoSecret([bad, check, help, runHelp].map((r) => `${r.stdout}\n${r.stderr}`).join("\n"), secret);
}

describe("token", () => {
  const TOKEN = "tok-Leak-Canary-03be55d1";

  test("never printed or served: a good life and a refused one; not in config errors or help", async () => {
    const nats = await natsServer({ config: `authorization { token: "${TOKEN}" }` });
    const good = await lifeOf({ NATS_URL: nats.url, NATS_TOKEN: TOKEN }, "ready");
    expectNoSecret(good, TOKEN);
    const other = await natsServer({ config: `authorization { token: "another-token" }` });
    const refused = await lifeOf({ NATS_URL: other.url, NATS_TOKEN: TOKEN }, "refused");
    expect(refused).toMatch(/Authorization Violation/i);
    expectNoSecret(refused, TOKEN);
    await expectQuietCli({ NATS_URL: "nats://127.0.0.1:4", NATS_TOKEN: TOKEN, DB_PATH: join(tempDir(), "agg.db") }, TOKEN);
  });
});

describe("NKey seed file", () => {
  test("the seed is never printed or served: accepted, unknown to the server, or corrupt", async () => {
    const known = makeNkeyUser();
    const unknown = makeNkeyUser();
    const nats = await natsServer({ config: `authorization { users: [ { nkey: ${known.publicKey} } ] }` });
    const dir = tempDir();
    const seedFile = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text, { mode: 0o600 });
      return path;
    };

    const good = await lifeOf({ NATS_URL: nats.url, NATS_NKEY_SEED_FILE: seedFile("known.nk", known.seed) }, "ready");
    expectNoSecret(good, known.seed);
    const refused = await lifeOf({ NATS_URL: nats.url, NATS_NKEY_SEED_FILE: seedFile("unknown.nk", unknown.seed) }, "refused");
    expectNoSecret(refused, unknown.seed);
    // A damaged seed (one character changed) is still secret material: an error must not quote it.
    const damaged = `${unknown.seed.slice(0, 20)}${unknown.seed[20] === "A" ? "B" : "A"}${unknown.seed.slice(21)}`;
    const corrupt = await lifeOf({ NATS_URL: nats.url, NATS_NKEY_SEED_FILE: seedFile("corrupt.nk", damaged) }, "refused");
    expectNoSecret(corrupt, damaged);
    await expectQuietCli({ NATS_URL: "nats://127.0.0.1:4", NATS_NKEY_SEED_FILE: seedFile("cli.nk", known.seed), DB_PATH: join(dir, "agg.db") }, known.seed);
  });
});

describe(".creds file", () => {
  test("the seed inside is never printed or served: accepted, or refused by a server that does not trust it", async () => {
    const jwt = await makeJwtSetup();
    const nats = await natsServer({ config: jwt.serverConfig });
    const credsFile = join(tempDir(), "svc.creds");
    writeFileSync(credsFile, jwt.creds, { mode: 0o600 });

    const good = await lifeOf({ NATS_URL: nats.url, NATS_CREDS: credsFile }, "ready");
    expectNoSecret(good, jwt.seed);
    const untrusting = await natsServer({ config: `authorization { users: [ { user: svc, password: "x" } ] }` });
    const refused = await lifeOf({ NATS_URL: untrusting.url, NATS_CREDS: credsFile }, "refused");
    expectNoSecret(refused, jwt.seed);
    await expectQuietCli({ NATS_URL: "nats://127.0.0.1:4", NATS_CREDS: credsFile, DB_PATH: join(tempDir(), "agg.db") }, jwt.seed);
  });
});
