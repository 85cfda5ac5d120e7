// A bad configuration stops the service with exit code 2 and one line naming the variable and what is allowed.
import { expect, test } from "bun:test";
import { runCli } from "../helpers/aggregator-process.ts";

const cases: Array<[string, Record<string, string>, RegExp]> = [
  ["PUBLISH_INTERVAL below 100 ms", { PUBLISH_INTERVAL: "99" }, /PUBLISH_INTERVAL: "99" is below 100; allowed: integer milliseconds/],
  ["PUBLISH_INTERVAL not a number", { PUBLISH_INTERVAL: "fast" }, /PUBLISH_INTERVAL: "fast" is not a whole number/],
  ["RETENTION_DAYS zero", { RETENTION_DAYS: "0" }, /RETENTION_DAYS: "0" is below 1; allowed: integer days/],
  ["ACTIVE_WINDOW_MS fractional", { ACTIVE_WINDOW_MS: "1.5" }, /ACTIVE_WINDOW_MS: "1.5" is not a whole number/],
  ["HTTP_PORT out of range", { HTTP_PORT: "70000" }, /HTTP_PORT: "70000" is above 65535/],
  ["LOG_LEVEL unknown", { LOG_LEVEL: "loud" }, /LOG_LEVEL: "loud" is not a log level; allowed: debug, info, warn, error/],
  ["NATS_URL with an unsupported scheme", { NATS_URL: "http://127.0.0.1:1" }, /NATS_URL: "http:\/\/127.0.0.1:1" has scheme http, which is not supported; allowed: nats:\/\/, tls:\/\/, ws:\/\/ or wss:\/\//],
  ["NATS_URL not a URL", { NATS_URL: "localhost" }, /NATS_URL: "localhost" is not a URL/],
  ["user without password", { NATS_USER: "aggregator" }, /NATS_USER and NATS_PASSWORD: set both or neither/],
  ["DB_PATH whose folder cannot be created", { DB_PATH: "/etc/hostname/sub/agg.db" }, /DB_PATH: cannot create folder \/etc\/hostname\/sub/],
];

for (const [name, env, expected] of cases) {
  test(`config error: ${name}`, async () => {
    const { code, stdout, stderr } = await runCli([], { DB_PATH: "/tmp/agg-config-test/never-opened.db", NATS_URL: "nats://127.0.0.1:1", ...env });
    expect(code).toBe(2);
    // Variables are checked before anything is logged; the DB folder only when the service opens it.
    if (!("DB_PATH" in env)) expect(stdout).toBe("");
    const lines = stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^aggregator: configuration error: /);
    expect(lines[0]).toMatch(expected);
  });
}

test("a password in the URL never appears in a configuration error", async () => {
  const { code, stderr } = await runCli([], { NATS_URL: "nats://agg:hunter2-secret@127.0.0.1:1,http://x", DB_PATH: "/tmp/agg-config-test/x.db" });
  expect(code).toBe(2);
  expect(stderr).not.toContain("hunter2-secret");
});

test("--help and --version answer with exit 0; an unknown command is a usage error", async () => {
  const help = await runCli(["--help"]);
  expect(help.code).toBe(0);
  for (const name of ["NATS_URL", "DB_PATH", "PUBLISH_INTERVAL", "RETENTION_DAYS", "HTTP_PORT", "/readyz"]) expect(help.stdout).toContain(name);
  const version = await runCli(["--version"]);
  expect(version.code).toBe(0);
  expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  const unknown = await runCli(["frobnicate"]);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('unknown command "frobnicate"');
});
