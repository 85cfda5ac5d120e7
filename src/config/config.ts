// Reads the environment once into one typed, validated configuration object.
import { z } from "zod";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export type NatsTransport = "tcp" | "websocket";

export interface NatsSettings {
  servers: string[];
  transport: NatsTransport;
  /** Scheme is tls:// or wss://: the connection must be encrypted. */
  tls: boolean;
  user?: string;
  password?: string;
  token?: string;
  credsFile?: string;
}

export type IngestMode = "auto" | "jetstream" | "core";

export interface JetStreamSettings {
  stream: string;
  consumer: string;
  maxAgeHours: number;
  storage: "file" | "memory";
}

export interface Config {
  nats: NatsSettings;
  ingestMode: IngestMode;
  jetstream: JetStreamSettings;
  /** Length of the "last 24 hours" windows; 24 h per the protocol, shortened only by tests. */
  recentWindowMs: number;
  dbPath: string;
  publishIntervalMs: number;
  retentionDays: number;
  activeWindowMs: number;
  httpHost: string;
  httpPort: number;
  logLevel: LogLevel;
  logFormat: "text" | "json";
}

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

interface VariableSpec {
  name: string;
  default?: string;
  allowed: string;
  description: string;
  secret?: boolean;
}

/** Every variable the service reads: the single source for parsing, --help and the README table. */
export const VARIABLES: readonly VariableSpec[] = [
  { name: "NATS_URL", default: "wss://f.tru.watch:9086", allowed: "nats://, tls://, ws:// or wss:// URL; several separated by commas", description: "NATS server(s) to connect to" },
  { name: "NATS_USER", allowed: "text", description: "user name (with NATS_PASSWORD)" },
  { name: "NATS_PASSWORD", allowed: "text", description: "password (with NATS_USER)", secret: true },
  { name: "NATS_TOKEN", allowed: "text", description: "authentication token", secret: true },
  { name: "NATS_CREDS", allowed: "path to a .creds file", description: "NATS credentials file (JWT + NKey seed)" },
  { name: "INGEST_MODE", default: "auto", allowed: "auto, jetstream, core", description: "jetstream: durable, acked after commit; core: plain subscriptions; auto: jetstream when the server and credentials allow it" },
  { name: "JS_STREAM", default: "TRUEBIT_EVENTS", allowed: "stream name (letters, digits, - and _)", description: "JetStream stream over the inbound subjects; created when missing, never reconfigured" },
  { name: "JS_CONSUMER", default: "aggregator", allowed: "consumer name (letters, digits, - and _)", description: "durable JetStream consumer the aggregator reads from" },
  { name: "JS_MAX_AGE_HOURS", default: "168", allowed: "integer hours, 1 to 87600", description: "how long the stream keeps messages (only when the aggregator creates it)" },
  { name: "JS_STORAGE", default: "file", allowed: "file, memory", description: "stream storage (only when the aggregator creates it)" },
  { name: "DB_PATH", default: "/data/aggregator.db", allowed: "file path", description: "SQLite database file; its folder is created if missing" },
  { name: "PUBLISH_INTERVAL", default: "30000", allowed: "integer milliseconds, 100 to 86400000", description: "how often network stats are published" },
  { name: "RETENTION_DAYS", default: "30", allowed: "integer days, 1 to 36500", description: "detail rows and history older than this are pruned; lifetime totals stay" },
  { name: "ACTIVE_WINDOW_MS", default: "300000", allowed: "integer milliseconds, 1000 to 86400000", description: "a node is active if heard from within this window" },
  { name: "RECENT_WINDOW_MS", default: "86400000", allowed: "integer milliseconds, 1000 to 86400000", description: "length of the tasksLast24h/invoicesLast24h window; keep 24 h except in tests" },
  { name: "HTTP_HOST", default: "127.0.0.1", allowed: "host name or IP address", description: "address of the health endpoint" },
  { name: "HTTP_PORT", default: "9477", allowed: "integer 0 to 65535 (0 picks a free port)", description: "port of the health endpoint" },
  { name: "LOG_LEVEL", default: "info", allowed: LOG_LEVELS.join(", "), description: "least severe level that is logged" },
  { name: "LOG_FORMAT", default: "text", allowed: "text, json", description: "text lines for journald, or one JSON object per line" },
];

const SCHEMES: Record<string, { transport: NatsTransport; tls: boolean }> = {
  "nats:": { transport: "tcp", tls: false },
  "tls:": { transport: "tcp", tls: true },
  "ws:": { transport: "websocket", tls: false },
  "wss:": { transport: "websocket", tls: true },
};

function integer(min: number, max: number) {
  return z.string().trim().regex(/^-?\d+$/, "is not a whole number").transform(Number).pipe(z.number().min(min, `is below ${min}`).max(max, `is above ${max}`));
}

const natsName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "is not a valid name");

function parseServers(value: string): Pick<NatsSettings, "servers" | "transport" | "tls"> {
  const servers = value.split(",").map((s) => s.trim()).filter(Boolean);
  if (servers.length === 0) throw new Error("is empty");
  let kind: { transport: NatsTransport; tls: boolean } | undefined;
  for (const s of servers) {
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      throw new Error(`"${redactUrl(s)}" is not a URL`);
    }
    const k = SCHEMES[url.protocol];
    if (!k) throw new Error(`"${redactUrl(s)}" has scheme ${url.protocol.replace(":", "")}, which is not supported`);
    if (kind && kind.transport !== k.transport) throw new Error("mixes WebSocket and TCP servers");
    kind = k;
  }
  return { servers, ...kind! };
}

/** Hides user:password@ in a URL so it can be shown in logs and errors, parseable or not. */
export function redactUrl(url: string): string {
  // Greedy to the last "@": a password may itself contain "@" or "/".
  return url.replace(/\/\/.*@/, "//[redacted]@");
}

function allowedFor(name: string): string {
  return VARIABLES.find((v) => v.name === name)!.allowed;
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const read = (name: string): string => {
    const v = env[name];
    return v === undefined || v === "" ? (VARIABLES.find((s) => s.name === name)!.default ?? "") : v;
  };
  const optional = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === "" ? undefined : v;
  };
  const parse = <T>(name: string, schema: z.ZodType<T>): T => {
    const raw = read(name);
    const result = schema.safeParse(raw);
    if (result.success) return result.data;
    const problem = result.error.issues[0]?.message ?? "is invalid";
    throw new ConfigError(`${name}: "${raw}" ${problem}; allowed: ${allowedFor(name)}`);
  };

  let servers: ReturnType<typeof parseServers>;
  try {
    servers = parseServers(read("NATS_URL"));
  } catch (err) {
    throw new ConfigError(`NATS_URL: ${(err as Error).message}; allowed: ${allowedFor("NATS_URL")}`);
  }

  const user = optional("NATS_USER");
  const password = optional("NATS_PASSWORD");
  const token = optional("NATS_TOKEN");
  const credsFile = optional("NATS_CREDS");
  if ((user === undefined) !== (password === undefined)) {
    throw new ConfigError("NATS_USER and NATS_PASSWORD: set both or neither");
  }
  const methods = [user && "NATS_USER/NATS_PASSWORD", token && "NATS_TOKEN", credsFile && "NATS_CREDS"].filter(Boolean);
  if (methods.length > 1) throw new ConfigError(`${methods.join(" and ")}: choose one authentication method`);

  const dbPath = read("DB_PATH").trim();
  if (dbPath === "") throw new ConfigError(`DB_PATH: is empty; allowed: ${allowedFor("DB_PATH")}`);

  return {
    nats: { ...servers, user, password, token, credsFile },
    ingestMode: parse("INGEST_MODE", z.enum(["auto", "jetstream", "core"], { error: "is not an ingest mode" })),
    jetstream: {
      stream: parse("JS_STREAM", natsName),
      consumer: parse("JS_CONSUMER", natsName),
      maxAgeHours: parse("JS_MAX_AGE_HOURS", integer(1, 87_600)),
      storage: parse("JS_STORAGE", z.enum(["file", "memory"], { error: "is not a storage type" })),
    },
    recentWindowMs: parse("RECENT_WINDOW_MS", integer(1000, 86_400_000)),
    dbPath,
    publishIntervalMs: parse("PUBLISH_INTERVAL", integer(100, 86_400_000)),
    retentionDays: parse("RETENTION_DAYS", integer(1, 36_500)),
    activeWindowMs: parse("ACTIVE_WINDOW_MS", integer(1000, 86_400_000)),
    httpHost: parse("HTTP_HOST", z.string().trim().min(1, "is empty").regex(/^[A-Za-z0-9.:\-\[\]]+$/, "is not a host name or IP address")),
    httpPort: parse("HTTP_PORT", integer(0, 65535)),
    logLevel: parse("LOG_LEVEL", z.enum(LOG_LEVELS, { error: "is not a log level" })),
    logFormat: parse("LOG_FORMAT", z.enum(["text", "json"], { error: "is not a log format" })),
  };
}

/** The configured secrets, so output paths can scrub them whatever the code path. */
export function secretsOf(config: Config): string[] {
  return [config.nats.password, config.nats.token].filter((s): s is string => typeof s === "string" && s.length > 0);
}

/** The effective configuration with secrets replaced, safe to print. */
export function describeConfig(config: Config): Record<string, string | number> {
  const n = config.nats;
  return {
    NATS_URL: n.servers.map(redactUrl).join(","),
    NATS_AUTH: n.credsFile ? `creds file ${n.credsFile}` : n.token ? "token [redacted]" : n.user ? `user ${n.user}, password [redacted]` : "none",
    INGEST_MODE: config.ingestMode,
    JS_STREAM: config.jetstream.stream,
    JS_CONSUMER: config.jetstream.consumer,
    DB_PATH: config.dbPath,
    PUBLISH_INTERVAL: config.publishIntervalMs,
    RETENTION_DAYS: config.retentionDays,
    ACTIVE_WINDOW_MS: config.activeWindowMs,
    HTTP_HOST: config.httpHost,
    HTTP_PORT: config.httpPort,
    LOG_LEVEL: config.logLevel,
    LOG_FORMAT: config.logFormat,
  };
}
