// Reads the environment once into one typed, validated configuration object.
import { accessSync, constants } from "node:fs";
import { z } from "zod";
import type { AdmissionLimits } from "../core/admission.ts";

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
  nkeySeedFile?: string;
  tlsCaFile?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
}

/** Defences against a federation where every monitor shares credentials (see README "Security"). */
export interface Limits extends AdmissionLimits {
  /** Continent/location buckets with fewer active nodes are merged into "other". */
  minNodesPerBucket: number;
}

export type IngestMode = "auto" | "jetstream" | "core";

export interface JetStreamSettings {
  stream: string;
  /** Prefix of the durable consumer names: each instance reads through `<consumer>-<instance id>`. */
  consumer: string;
  maxAgeHours: number;
  storage: "file" | "memory";
  /** Replicas of the stream and the lease bucket when the service creates them. */
  replicas: number;
}

/** High availability: who this instance is, and how long a leader's lease lasts. */
export interface ClusterSettings {
  /** INSTANCE_ID; unset, the id kept in the database is used (created on first start). */
  instanceId?: string;
  leaseMs: number;
}

export interface Config {
  nats: NatsSettings;
  ingestMode: IngestMode;
  limits: Limits;
  jetstream: JetStreamSettings;
  cluster: ClusterSettings;
  /** Length of the "last 24 hours" windows; 24 h per the protocol, shortened only by tests. */
  recentWindowMs: number;
  dbPath: string;
  publishIntervalMs: number;
  retentionDays: number;
  /** Full collection between batches after this much heap growth, in bytes; 0: never (see src/service/heap-trim.ts). */
  heapTrimBytes: number;
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
  { name: "NATS_NKEY_SEED_FILE", allowed: "path to a file holding an NKey user seed (SU...)", description: "NKey authentication" },
  { name: "NATS_TLS_CA", allowed: "path to a PEM file", description: "CA certificate(s) to verify the server with (tls:// and wss://)" },
  { name: "NATS_TLS_CERT", allowed: "path to a PEM file (with NATS_TLS_KEY)", description: "client certificate, for servers that verify clients" },
  { name: "NATS_TLS_KEY", allowed: "path to a PEM file (with NATS_TLS_CERT)", description: "client certificate's private key" },
  { name: "INGEST_MODE", default: "auto", allowed: "auto, jetstream, core", description: "jetstream: durable, acked after commit; core: plain subscriptions; auto: jetstream when the server and credentials allow it" },
  { name: "JS_STREAM", default: "TRUEBIT_EVENTS", allowed: "stream name (letters, digits, - and _)", description: "JetStream stream over the inbound subjects; created when missing, never reconfigured" },
  { name: "JS_CONSUMER", default: "aggregator", allowed: "consumer name (letters, digits, - and _)", description: "prefix of the durable JetStream consumers: each instance reads through <JS_CONSUMER>-<instance id>" },
  { name: "JS_MAX_AGE_HOURS", default: "168", allowed: "integer hours, 1 to 87600", description: "how long the stream keeps messages (only when the aggregator creates it)" },
  { name: "JS_STORAGE", default: "file", allowed: "file, memory", description: "stream storage (only when the aggregator creates it)" },
  { name: "JS_REPLICAS", default: "1", allowed: "integer 1 to 5 (3 or 5 on a NATS cluster)", description: "replicas of the stream and of the leader-lease bucket (only when the aggregator creates them)" },
  { name: "INSTANCE_ID", allowed: "name (letters, digits, - and _), up to 64 characters", description: "this instance's identity (names its JetStream consumer and its lease); unset, an id created on first start and kept in the database" },
  { name: "LEADER_LEASE_MS", default: "10000", allowed: "integer milliseconds, 1000 to 600000", description: "JetStream mode: the leader's lease; a standby takes over at most this long (plus up to 1 s) after the leader dies" },
  { name: "DB_PATH", default: "/data/aggregator.db", allowed: "file path", description: "SQLite database file; its folder is created if missing" },
  { name: "PUBLISH_INTERVAL", default: "30000", allowed: "integer milliseconds, 100 to 86400000", description: "how often network stats are published" },
  { name: "RETENTION_DAYS", default: "30", allowed: "integer days, 1 to 36500", description: "detail rows and history older than this are pruned; lifetime totals stay" },
  { name: "ACTIVE_WINDOW_MS", default: "300000", allowed: "integer milliseconds, 1000 to 86400000", description: "a node is active if heard from within this window" },
  { name: "RATE_LIMIT_PER_NODE", default: "50", allowed: "messages per second, 0 (off) to 1000000", description: "sustained message rate allowed per nodeId (a monitor sends a heartbeat per 30 s and a few events per task)" },
  { name: "RATE_LIMIT_BURST", default: "20000", allowed: "messages, 1 to 10000000", description: "burst a nodeId may send above its rate (a monitor replaying its backlog after an upgrade)" },
  { name: "GLOBAL_RATE_LIMIT", default: "0", allowed: "messages per second, 0 (off) to 10000000", description: "rate allowed for all nodes together; bursts of up to 10 s of it pass" },
  { name: "NEW_NODES_PER_MINUTE", default: "1000", allowed: "integer 1 to 1000000", description: "new nodeIds admitted per minute; messages from refused ids are rejected and counted" },
  { name: "MAX_CLOCK_SKEW_MS", default: "600000", allowed: "integer milliseconds, 0 to 86400000", description: "reject messages whose timestamp is this far ahead of their arrival" },
  { name: "MAX_MESSAGE_AGE_MS", default: "604800000", allowed: "integer milliseconds, 300000 to 31536000000", description: "reject messages whose timestamp is this far behind their arrival" },
  { name: "MIN_NODES_PER_BUCKET", default: "1", allowed: "integer 1 to 1000", description: "continent/location buckets with fewer active nodes are published as \"other\" (k-anonymity)" },
  { name: "RECENT_WINDOW_MS", default: "86400000", allowed: "integer milliseconds, 1000 to 86400000", description: "length of the tasksLast24h/invoicesLast24h window; keep 24 h except in tests" },
  { name: "HEAP_TRIM_MB", default: "24", allowed: "integer megabytes, 0 (off) to 4096", description: "under load, ask for a full garbage collection between batches once the JS heap has grown this much past the last one (a lower peak RSS)" },
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
    if (url.host === "") throw new Error(`"${redactUrl(s)}" has no host (write scheme://host:port)`);
    if (kind && kind.transport !== k.transport) throw new Error("mixes WebSocket and TCP servers");
    kind = k;
  }
  return { servers, ...kind! };
}

function fileReadable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Hides user:password@ in a URL so it can be shown in logs and errors, parseable or not. */
export function redactUrl(url: string): string {
  // Greedy to the last "@": a password may itself contain "@" or "/".
  if (url.includes("//")) return url.replace(/\/\/.*@/, "//[redacted]@");
  return url.replace(/^([a-z]+:).*@/i, "$1[redacted]@");
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
  const nkeySeedFile = optional("NATS_NKEY_SEED_FILE");
  const methods = [user && "NATS_USER/NATS_PASSWORD", token && "NATS_TOKEN", credsFile && "NATS_CREDS", nkeySeedFile && "NATS_NKEY_SEED_FILE"].filter(Boolean);
  if (methods.length > 1) throw new ConfigError(`${methods.join(" and ")}: choose one authentication method`);
  const tlsCaFile = optional("NATS_TLS_CA");
  const tlsCertFile = optional("NATS_TLS_CERT");
  const tlsKeyFile = optional("NATS_TLS_KEY");
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) throw new ConfigError("NATS_TLS_CERT and NATS_TLS_KEY: set both or neither");
  for (const [name, path] of [["NATS_CREDS", credsFile], ["NATS_NKEY_SEED_FILE", nkeySeedFile], ["NATS_TLS_CA", tlsCaFile], ["NATS_TLS_CERT", tlsCertFile], ["NATS_TLS_KEY", tlsKeyFile]] as const) {
    if (path !== undefined && !fileReadable(path)) throw new ConfigError(`${name}: cannot read file ${path}`);
  }

  const dbPath = read("DB_PATH").trim();
  if (dbPath === "") throw new ConfigError(`DB_PATH: is empty; allowed: ${allowedFor("DB_PATH")}`);

  const config: Config = {
    nats: { ...servers, user, password, token, credsFile, nkeySeedFile, tlsCaFile, tlsCertFile, tlsKeyFile },
    limits: {
      perNodeRate: parse("RATE_LIMIT_PER_NODE", integer(0, 1_000_000)),
      perNodeBurst: parse("RATE_LIMIT_BURST", integer(1, 10_000_000)),
      globalRate: parse("GLOBAL_RATE_LIMIT", integer(0, 10_000_000)),
      newNodesPerMinute: parse("NEW_NODES_PER_MINUTE", integer(1, 1_000_000)),
      maxClockSkewMs: parse("MAX_CLOCK_SKEW_MS", integer(0, 86_400_000)),
      maxMessageAgeMs: parse("MAX_MESSAGE_AGE_MS", integer(300_000, 31_536_000_000)),
      minNodesPerBucket: parse("MIN_NODES_PER_BUCKET", integer(1, 1000)),
    },
    ingestMode: parse("INGEST_MODE", z.enum(["auto", "jetstream", "core"], { error: "is not an ingest mode" })),
    jetstream: {
      stream: parse("JS_STREAM", natsName),
      consumer: parse("JS_CONSUMER", natsName),
      maxAgeHours: parse("JS_MAX_AGE_HOURS", integer(1, 87_600)),
      storage: parse("JS_STORAGE", z.enum(["file", "memory"], { error: "is not a storage type" })),
      replicas: parse("JS_REPLICAS", integer(1, 5)),
    },
    cluster: {
      instanceId: optional("INSTANCE_ID") === undefined ? undefined : parse("INSTANCE_ID", natsName),
      leaseMs: parse("LEADER_LEASE_MS", integer(1000, 600_000)),
    },
    recentWindowMs: parse("RECENT_WINDOW_MS", integer(1000, 86_400_000)),
    dbPath,
    publishIntervalMs: parse("PUBLISH_INTERVAL", integer(100, 86_400_000)),
    retentionDays: parse("RETENTION_DAYS", integer(1, 36_500)),
    heapTrimBytes: parse("HEAP_TRIM_MB", integer(0, 4096)) * 1024 * 1024,
    activeWindowMs: parse("ACTIVE_WINDOW_MS", integer(1000, 86_400_000)),
    httpHost: parse("HTTP_HOST", z.string().trim().min(1, "is empty").regex(/^[A-Za-z0-9.:\-\[\]]+$/, "is not a host name or IP address")),
    httpPort: parse("HTTP_PORT", integer(0, 65535)),
    logLevel: parse("LOG_LEVEL", z.enum(LOG_LEVELS, { error: "is not a log level" })),
    logFormat: parse("LOG_FORMAT", z.enum(["text", "json"], { error: "is not a log format" })),
  };
  fitRetention(config, (name) => optional(name) !== undefined);
  return config;
}

/**
 * Deduplication forgets a task once its row is pruned, so nothing older than the retention
 * may still arrive: neither a sender timestamp that old nor a stream replay that far back.
 * Unset, both follow a short retention (at most half of it); set, they must stay below it.
 */
function fitRetention(config: Config, isSet: (name: string) => boolean): void {
  const retentionMs = config.retentionDays * 86_400_000;
  const l = config.limits;
  const js = config.jetstream;
  if (!isSet("MAX_MESSAGE_AGE_MS")) l.maxMessageAgeMs = Math.min(l.maxMessageAgeMs, retentionMs / 2);
  if (!isSet("JS_MAX_AGE_HOURS")) js.maxAgeHours = Math.max(1, Math.min(js.maxAgeHours, Math.floor((config.retentionDays * 24) / 2)));
  if (l.maxMessageAgeMs >= retentionMs) {
    throw new ConfigError(`MAX_MESSAGE_AGE_MS: ${l.maxMessageAgeMs} reaches past RETENTION_DAYS (${config.retentionDays}); allowed: less than ${retentionMs}, or raise RETENTION_DAYS`);
  }
  if (config.ingestMode !== "core" && js.maxAgeHours * 3_600_000 >= retentionMs) {
    throw new ConfigError(`JS_MAX_AGE_HOURS: ${js.maxAgeHours} reaches past RETENTION_DAYS (${config.retentionDays}); allowed: less than ${config.retentionDays * 24}, or raise RETENTION_DAYS`);
  }
}

/** The configured secrets, so output paths can scrub them whatever the code path. */
export function secretsOf(config: Config): string[] {
  const inUrls = config.nats.servers.flatMap((s) => {
    try {
      const u = new URL(s);
      return [decodeURIComponent(u.password), u.password];
    } catch {
      return [];
    }
  });
  return [config.nats.password, config.nats.token, ...inUrls].filter((s): s is string => typeof s === "string" && s.length > 0);
}

/** The effective configuration with secrets replaced, safe to print. */
export function describeConfig(config: Config): Record<string, string | number> {
  const n = config.nats;
  return {
    NATS_URL: n.servers.map(redactUrl).join(","),
    NATS_AUTH: n.credsFile ? `creds file ${n.credsFile}` : n.nkeySeedFile ? `nkey seed file ${n.nkeySeedFile}` : n.token ? "token [redacted]" : n.user ? `user ${n.user}, password [redacted]` : "none",
    NATS_TLS: n.tlsCaFile || n.tlsCertFile ? `ca=${n.tlsCaFile ?? "system"} client-cert=${n.tlsCertFile ?? "none"}` : n.tls ? "system CAs" : "off",
    INGEST_MODE: config.ingestMode,
    JS_STREAM: config.jetstream.stream,
    JS_CONSUMER: config.jetstream.consumer,
    JS_REPLICAS: config.jetstream.replicas,
    INSTANCE_ID: config.cluster.instanceId ?? "(kept in the database)",
    LEADER_LEASE_MS: config.cluster.leaseMs,
    DB_PATH: config.dbPath,
    RATE_LIMIT_PER_NODE: config.limits.perNodeRate,
    GLOBAL_RATE_LIMIT: config.limits.globalRate,
    NEW_NODES_PER_MINUTE: config.limits.newNodesPerMinute,
    MIN_NODES_PER_BUCKET: config.limits.minNodesPerBucket,
    PUBLISH_INTERVAL: config.publishIntervalMs,
    RETENTION_DAYS: config.retentionDays,
    HEAP_TRIM_MB: config.heapTrimBytes / 1024 / 1024,
    ACTIVE_WINDOW_MS: config.activeWindowMs,
    HTTP_HOST: config.httpHost,
    HTTP_PORT: config.httpPort,
    LOG_LEVEL: config.logLevel,
    LOG_FORMAT: config.logFormat,
  };
}
