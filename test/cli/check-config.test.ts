// `aggregator check-config`: the effective configuration with its sources and secrets redacted, file checks, and one-line errors.
import { expect, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/aggregator-process.ts";

test("prints the effective configuration, where each value came from, and what it checked", async () => {
  const dir = tempDir();
  const r = await runCli(["check-config"], {
    NATS_URL: "nats://agg:url-secret@127.0.0.1:14222",
    NATS_USER: "aggregator",
    NATS_PASSWORD: "hunter2-password",
    DB_PATH: join(dir, "data/agg.db"),
    PUBLISH_INTERVAL: "5000",
  });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^aggregator \d+\.\d+\.\d+: the configuration is valid \(secrets redacted\)\n/);
  expect(r.stdout).toMatch(/NATS_URL\s+nats:\/\/\[redacted\]@127\.0\.0\.1:14222\s+from the environment/);
  expect(r.stdout).toMatch(/NATS_AUTH\s+user aggregator, password \[redacted\]\s+from the environment/);
  expect(r.stdout).toMatch(/PUBLISH_INTERVAL\s+5000\s+from the environment/);
  expect(r.stdout).toMatch(/RETENTION_DAYS\s+30\s+default/);
  expect(r.stdout).toContain(`ok       DB_PATH: folder ${join(dir, "data")} will be created (${dir} is writable)`);
  expect(r.stdout).not.toContain("hunter2-password");
  expect(r.stdout).not.toContain("url-secret");
});

test("--env-file reads systemd's NAME=value file, wins over the environment, and flags names the service ignores", async () => {
  const dir = tempDir();
  const envFile = join(dir, "env");
  writeFileSync(envFile, [
    "# /etc/aggregator/env",
    "NATS_URL=nats://127.0.0.1:14222",
    `DB_PATH="${join(dir, "agg.db")}"`,
    "PUBLISH_INTERVALL=1000",
    "",
  ].join("\n"));
  const r = await runCli(["check-config", "--env-file", envFile], { NATS_URL: "nats://ignored:1" });
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`NATS_URL\\s+nats://127\\.0\\.0\\.1:14222\\s+from ${envFile}`));
  expect(r.stdout).toContain(`ok       DB_PATH: folder ${dir} exists and is writable`);
  expect(r.stdout).toContain(`warning  PUBLISH_INTERVALL in ${envFile} is not a variable the aggregator reads (did you mean PUBLISH_INTERVAL?)`);
});

const failures: Array<[string, () => { args?: string[]; env: Record<string, string> }, string | RegExp]> = [
  ["a bad value", () => ({ env: { PUBLISH_INTERVAL: "fast" } }), 'aggregator: configuration error: PUBLISH_INTERVAL: "fast" is not a whole number; allowed: integer milliseconds, 100 to 86400000'],
  ["a database folder that is a file", () => ({ env: { DB_PATH: "/etc/hostname/agg.db" } }), "aggregator: configuration error: DB_PATH: /etc/hostname is a file, not a folder"],
  ["a missing credentials file", () => ({ env: { NATS_CREDS: "/nonexistent/agg.creds" } }), /^aggregator: configuration error: NATS_CREDS: cannot read .*\/nonexistent\/agg\.creds/],
  ["a credentials file that is not one", () => {
    const creds = join(tempDir(), "agg.creds");
    writeFileSync(creds, "hello\n");
    return { env: { NATS_CREDS: creds } };
  }, /^aggregator: configuration error: NATS_CREDS: .*agg\.creds is not a \.creds file \(it has no NATS USER JWT block\)$/],
  ["a malformed env file", () => {
    const file = join(tempDir(), "env");
    writeFileSync(file, "NATS_URL=nats://127.0.0.1:1\nexport oops\n");
    return { args: ["--env-file", file], env: {} };
  }, /^aggregator: configuration error: .*env line 2: expected NAME=value \(got "export oops"\)$/],
  ["a missing env file", () => ({ args: ["--env-file", "/nonexistent/env"], env: {} }), "aggregator: configuration error: --env-file: cannot read /nonexistent/env: no such file"],
];

for (const [name, setup, expected] of failures) {
  test(`one line and exit code 2 for ${name}`, async () => {
    const { args = [], env } = setup();
    const r = await runCli(["check-config", ...args], { DB_PATH: join(tempDir(), "agg.db"), ...env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    if (typeof expected === "string") expect(lines[0]).toBe(expected);
    else expect(lines[0]).toMatch(expected);
  });
}

test("a database folder this user cannot write to is reported", async () => {
  if (process.getuid?.() === 0) {
    console.log("skipped: running as root, which can write to any folder");
    return;
  }
  const dir = join(tempDir(), "locked");
  mkdirSync(dir);
  chmodSync(dir, 0o500);
  const r = await runCli(["check-config"], { DB_PATH: join(dir, "agg.db") });
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(`aggregator: configuration error: DB_PATH: folder ${dir} is not writable by this user\n`);
});
