// loadConfig: the documented defaults, one clear ConfigError per bad value, and secrets that never reach output.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "bun:test";
import { ConfigError, VARIABLES, describeConfig, loadConfig, secretsOf } from "../../src/config/config.ts";

function allowed(name: string): string {
  const spec = VARIABLES.find((v) => v.name === name);
  if (!spec) throw new Error(`no variable ${name}`);
  return spec.allowed;
}

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe("defaults", () => {
  test("an empty environment gives the documented values", () => {
    const c = loadConfig({});
    expect(c.nats.servers).toEqual(["wss://f.tru.watch:9086"]);
    expect(c.nats.transport).toBe("websocket");
    expect(c.nats.tls).toBe(true);
    expect(c.nats.user).toBeUndefined();
    expect(c.nats.password).toBeUndefined();
    expect(c.nats.token).toBeUndefined();
    expect(c.nats.credsFile).toBeUndefined();
    expect(c.dbPath).toBe("/data/aggregator.db");
    expect(c.publishIntervalMs).toBe(30_000);
    expect(c.retentionDays).toBe(30);
    expect(c.activeWindowMs).toBe(300_000);
    expect(c.httpHost).toBe("127.0.0.1");
    expect(c.httpPort).toBe(9477);
    expect(c.logLevel).toBe("info");
    expect(c.logFormat).toBe("text");
  });

  test("an empty string counts as unset", () => {
    const c = loadConfig({ NATS_URL: "", DB_PATH: "", PUBLISH_INTERVAL: "", HTTP_HOST: "", NATS_USER: "", NATS_PASSWORD: "" });
    expect(c.nats.servers).toEqual(["wss://f.tru.watch:9086"]);
    expect(c.dbPath).toBe("/data/aggregator.db");
    expect(c.publishIntervalMs).toBe(30_000);
    expect(c.nats.user).toBeUndefined();
  });

  test("set values are used", () => {
    const c = loadConfig({
      NATS_URL: "nats://127.0.0.1:4222", DB_PATH: "/tmp/x/agg.db", PUBLISH_INTERVAL: "1000", RETENTION_DAYS: "7",
      ACTIVE_WINDOW_MS: "60000", HTTP_HOST: "0.0.0.0", HTTP_PORT: "0", LOG_LEVEL: "debug", LOG_FORMAT: "json",
    });
    expect(c).toMatchObject({
      dbPath: "/tmp/x/agg.db", publishIntervalMs: 1000, retentionDays: 7, activeWindowMs: 60_000,
      httpHost: "0.0.0.0", httpPort: 0, logLevel: "debug", logFormat: "json",
    });
    expect(c.nats.servers).toEqual(["nats://127.0.0.1:4222"]);
  });
});

describe("bad values", () => {
  const cases: [string, string][] = [
    ["NATS_URL", "http://example.com"],
    ["NATS_URL", "not a url"],
    ["NATS_URL", " , "],
    ["NATS_URL", "nats://a:4222,wss://b:443"],
    ["PUBLISH_INTERVAL", "99"],
    ["PUBLISH_INTERVAL", "abc"],
    ["PUBLISH_INTERVAL", "1.5"],
    ["PUBLISH_INTERVAL", "86400001"],
    ["PUBLISH_INTERVAL", "-100"],
    ["RETENTION_DAYS", "0"],
    ["RETENTION_DAYS", "36501"],
    ["RETENTION_DAYS", "30d"],
    ["HEAP_TRIM_MB", "-1"],
    ["HEAP_TRIM_MB", "4097"],
    ["HEAP_TRIM_MB", "32MB"],
    ["ACTIVE_WINDOW_MS", "999"],
    ["ACTIVE_WINDOW_MS", "86400001"],
    ["HTTP_HOST", "bad host!"],
    ["HTTP_HOST", "   "],
    ["HTTP_PORT", "65536"],
    ["HTTP_PORT", "-1"],
    ["HTTP_PORT", "http"],
    ["LOG_LEVEL", "verbose"],
    ["LOG_LEVEL", "INFO "],
    ["LOG_FORMAT", "xml"],
    ["DB_PATH", "   "],
  ];
  for (const [name, value] of cases) {
    test(`${name}=${JSON.stringify(value)} is refused, naming the variable and what is allowed`, () => {
      const err = configError({ [name]: value });
      expect(err.message).toStartWith(`${name}:`);
      expect(err.message).toContain(allowed(name));
    });
  }

  test("PUBLISH_INTERVAL 100 is the smallest accepted", () => {
    expect(loadConfig({ PUBLISH_INTERVAL: "100" }).publishIntervalMs).toBe(100);
    expect(configError({ PUBLISH_INTERVAL: "99" }).message).toContain("99");
    expect(loadConfig({ PUBLISH_INTERVAL: "86400000" }).publishIntervalMs).toBe(86_400_000);
  });

  test("the other bounds are inclusive", () => {
    expect(loadConfig({ RETENTION_DAYS: "1" }).retentionDays).toBe(1);
    expect(loadConfig({}).heapTrimBytes).toBe(24 * 1024 * 1024);
    expect(loadConfig({ HEAP_TRIM_MB: "0" }).heapTrimBytes).toBe(0);
    expect(loadConfig({ RETENTION_DAYS: "36500" }).retentionDays).toBe(36_500);
    expect(loadConfig({ ACTIVE_WINDOW_MS: "1000" }).activeWindowMs).toBe(1000);
    expect(loadConfig({ HTTP_PORT: "65535" }).httpPort).toBe(65_535);
  });
});

describe("NATS servers and authentication", () => {
  test("the scheme picks the transport and whether it is encrypted", () => {
    const expectations: [string, "tcp" | "websocket", boolean][] = [
      ["nats://127.0.0.1:4222", "tcp", false],
      ["tls://nats.example.com:4222", "tcp", true],
      ["ws://127.0.0.1:8080", "websocket", false],
      ["wss://f.tru.watch:9086", "websocket", true],
    ];
    for (const [url, transport, tls] of expectations) {
      expect(loadConfig({ NATS_URL: url }).nats).toMatchObject({ servers: [url], transport, tls });
    }
  });

  test("several servers separated by commas, of one transport", () => {
    const c = loadConfig({ NATS_URL: "nats://a:4222, tls://b:4222 ,nats://c:4222" });
    expect(c.nats.servers).toEqual(["nats://a:4222", "tls://b:4222", "nats://c:4222"]);
    expect(c.nats.transport).toBe("tcp");
    expect(configError({ NATS_URL: "ws://a:80,nats://b:4222" }).message).toContain("mixes WebSocket and TCP");
  });

  test("a user without a password, or a password without a user, is refused", () => {
    expect(configError({ NATS_USER: "aggregator" }).message).toContain("NATS_PASSWORD");
    expect(configError({ NATS_PASSWORD: "pw-only-123" }).message).toContain("NATS_USER");
  });

  test("two authentication methods are refused, naming both", () => {
    const both = configError({ NATS_USER: "aggregator", NATS_PASSWORD: "pw", NATS_TOKEN: "tok" });
    expect(both.message).toContain("NATS_USER/NATS_PASSWORD");
    expect(both.message).toContain("NATS_TOKEN");
    const other = configError({ NATS_TOKEN: "tok", NATS_CREDS: "/etc/agg.creds" });
    expect(other.message).toContain("NATS_TOKEN");
    expect(other.message).toContain("NATS_CREDS");
  });

  test("each single method is accepted", () => {
    const creds = join(mkdtempSync(join(tmpdir(), "agg-config-")), "agg.creds");
    writeFileSync(creds, "not checked here, only read at connect time");
    expect(loadConfig({ NATS_USER: "aggregator", NATS_PASSWORD: "pw" }).nats).toMatchObject({ user: "aggregator", password: "pw" });
    expect(loadConfig({ NATS_TOKEN: "tok" }).nats.token).toBe("tok");
    expect(loadConfig({ NATS_CREDS: creds }).nats.credsFile).toBe(creds);
    expect(loadConfig({ NATS_NKEY_SEED_FILE: creds }).nats.nkeySeedFile).toBe(creds);
  });

  test("a credentials or certificate file that cannot be read is refused, naming the variable and path", () => {
    for (const name of ["NATS_CREDS", "NATS_NKEY_SEED_FILE", "NATS_TLS_CA"]) {
      expect(configError({ [name]: "/nonexistent/agg.file" }).message).toBe(`${name}: cannot read file /nonexistent/agg.file`);
    }
    expect(configError({ NATS_TLS_CERT: "/nonexistent/c.pem" }).message).toContain("NATS_TLS_CERT and NATS_TLS_KEY: set both or neither");
  });
});

describe("secrets stay secret", () => {
  const PASSWORD = "Pw-7f3a91-never-print";
  const TOKEN = "Tok-52c0de-never-print";

  function printed(config: ReturnType<typeof loadConfig>): string {
    return JSON.stringify(describeConfig(config));
  }

  test("describeConfig hides the password and the token", () => {
    const withPassword = printed(loadConfig({ NATS_USER: "aggregator", NATS_PASSWORD: PASSWORD }));
    expect(withPassword).not.toContain(PASSWORD);
    expect(withPassword).toContain("aggregator");
    const withToken = printed(loadConfig({ NATS_TOKEN: TOKEN }));
    expect(withToken).not.toContain(TOKEN);
    expect(withToken).toContain("redacted");
  });

  test("no ConfigError repeats a password or token, whatever else is wrong", () => {
    const bad: Record<string, string>[] = [
      { NATS_PASSWORD: PASSWORD },
      { NATS_USER: "u", NATS_PASSWORD: PASSWORD, NATS_TOKEN: TOKEN },
      { NATS_TOKEN: TOKEN, NATS_CREDS: "/x.creds" },
      { NATS_USER: "u", NATS_PASSWORD: PASSWORD, PUBLISH_INTERVAL: "1" },
      { NATS_TOKEN: TOKEN, NATS_URL: "http://nope" },
      { NATS_TOKEN: TOKEN, HTTP_PORT: "x" },
      { NATS_TOKEN: TOKEN, LOG_LEVEL: "loud" },
    ];
    for (const env of bad) {
      const err = configError(env);
      expect(err.message).not.toContain(PASSWORD);
      expect(err.message).not.toContain(TOKEN);
    }
  });

  test("credentials written into NATS_URL are hidden when printed", () => {
    const c = loadConfig({ NATS_URL: `nats://aggregator:${PASSWORD}@127.0.0.1:4222` });
    expect(printed(c)).not.toContain(PASSWORD);
    expect(printed(c)).toContain("127.0.0.1:4222");
    const err = configError({ NATS_URL: `http://aggregator:${PASSWORD}@127.0.0.1:4222` });
    expect(err.message).not.toContain(PASSWORD);
  });

  test("a NATS_URL password containing @ is hidden entirely when printed", () => {
    // The URL parser accepts an unencoded @ in the password (the last @ ends the credentials).
    const secret = "open@sesame-2f81";
    const c = loadConfig({ NATS_URL: `nats://aggregator:${secret}@127.0.0.1:4222` });
    const out = printed(c);
    expect(out).toContain("127.0.0.1:4222");
    expect(out).not.toContain("sesame-2f81");
  });

  test("a NATS_URL that does not parse is not echoed with its password", () => {
    // An unencoded / in the password makes the URL unparseable; the error must still not show it.
    const secret = "pa/ss-9c1e";
    const err = configError({ NATS_URL: `nats://aggregator:${secret}@127.0.0.1:4222` });
    expect(err.message).toStartWith("NATS_URL:");
    expect(err.message).not.toContain(secret);
    expect(err.message).not.toContain("ss-9c1e");
  });
});

describe("retention and replay", () => {
  test("unset message and stream ages follow a short retention; set ones reaching past it are refused", () => {
    const short = loadConfig({ RETENTION_DAYS: "1" });
    expect(short.limits.maxMessageAgeMs).toBe(12 * 3_600_000);
    expect(short.jetstream.maxAgeHours).toBe(12);
    expect(loadConfig({}).limits.maxMessageAgeMs).toBe(7 * 86_400_000);
    expect(() => loadConfig({ RETENTION_DAYS: "7", MAX_MESSAGE_AGE_MS: "604800000" })).toThrow(
      "MAX_MESSAGE_AGE_MS: 604800000 reaches past RETENTION_DAYS (7); allowed: less than 604800000, or raise RETENTION_DAYS",
    );
    expect(() => loadConfig({ RETENTION_DAYS: "2", JS_MAX_AGE_HOURS: "48" })).toThrow("JS_MAX_AGE_HOURS: 48 reaches past RETENTION_DAYS (2)");
    expect(loadConfig({ RETENTION_DAYS: "2", JS_MAX_AGE_HOURS: "48", INGEST_MODE: "core" }).retentionDays).toBe(2);
  });

  test("a URL without a host is refused, and a password in a URL is a secret to scrub", () => {
    expect(() => loadConfig({ NATS_URL: "nats:alice:s3cret@host" })).toThrow(/has no host/);
    expect(() => loadConfig({ NATS_URL: "nats:alice:s3cret@host" })).not.toThrow(/s3cret/);
    expect(secretsOf(loadConfig({ NATS_URL: "nats://alice:p%40ss@127.0.0.1:4222" }))).toContain("p@ss");
  });
});
