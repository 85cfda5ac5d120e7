// Keeps one NATS connection alive: picks the transport by URL scheme, waits for a broker that is down, reconnects forever.
import { readFileSync } from "node:fs";
import { credsAuthenticator, nkeyAuthenticator, wsconnect, type ConnectionOptions, type NatsConnection, type PublishOptions } from "@nats-io/nats-core";
import { connect as tcpConnect } from "@nats-io/transport-node";
import { redactUrl, type NatsSettings } from "../config/config.ts";
import type { Logger } from "../log/logger.ts";

export interface ConnectionState {
  connected: boolean;
  /** The server in use, credentials removed. */
  server: string | null;
  /** The most recent connection or server error, for /readyz. */
  lastError: string | null;
  /** How often and how long the connection was down since start (core NATS loses what is sent meanwhile). */
  disconnects: number;
  disconnectedMs: number;
}

export type OnConnected = (nc: NatsConnection) => Promise<void> | void;

const MAX_BACKOFF_MS = 5_000;

function buildOptions(s: NatsSettings): ConnectionOptions {
  const opts: ConnectionOptions = {
    servers: s.servers,
    name: "truebit-aggregator",
    // After the first connection, the client reconnects by itself, forever.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    reconnectJitter: 500,
    // A refused TLS client certificate shows up only as a connect timeout: keep it short.
    timeout: 5_000,
    pingInterval: 20_000,
    maxPingOut: 3,
  };
  if (s.user !== undefined) {
    opts.user = s.user;
    opts.pass = s.password;
  }
  if (s.token !== undefined) opts.token = s.token;
  if (s.credsFile !== undefined) {
    const path = s.credsFile;
    // Read at every (re)connect, so a rotated creds file is picked up without a restart.
    opts.authenticator = credsAuthenticator(() => readFileSync(path));
  }
  if (s.nkeySeedFile !== undefined) {
    const path = s.nkeySeedFile;
    opts.authenticator = nkeyAuthenticator(() => new TextEncoder().encode(readFileSync(path, "utf8").trim()));
  }
  if (s.transport === "tcp" && (s.tls || s.tlsCaFile || s.tlsCertFile)) {
    opts.tls = {
      ...(s.tlsCaFile ? { caFile: s.tlsCaFile } : {}),
      ...(s.tlsCertFile ? { certFile: s.tlsCertFile, keyFile: s.tlsKeyFile } : {}),
    };
  }
  return opts;
}

function describeError(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/**
 * Owns the connection for the life of the service. `onConnected` runs after
 * every fresh connection (subscribe there); the client's own reconnects keep
 * subscriptions, so it is not called for those.
 */
export class NatsConnectionKeeper {
  readonly state: ConnectionState = { connected: false, server: null, lastError: null, disconnects: 0, disconnectedMs: 0 };
  private disconnectedSince: number | null = null;
  private lastServerErrorLogAt = 0;
  private nc: NatsConnection | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly settings: NatsSettings,
    private readonly log: Logger,
    private readonly onConnected: OnConnected,
  ) {}

  get connection(): NatsConnection | null {
    return this.nc;
  }

  start(): void {
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    const servers = this.settings.servers.map(redactUrl).join(",");
    let backoff = 500;
    let lastLogged = "";
    while (!this.stopping) {
      try {
        const opts = buildOptions(this.settings);
        const nc = this.settings.transport === "websocket" ? await wsconnect(opts) : await tcpConnect(opts);
        if (this.stopping) {
          await nc.close();
          return;
        }
        this.nc = nc;
        this.markConnected(nc);
        this.log.info("connected to NATS", { server: this.state.server });
        backoff = 500;
        lastLogged = "";
        this.watchStatus(nc);
        await this.onConnected(nc);
        const closed = await nc.closed();
        this.state.connected = false;
        if (this.stopping) return;
        this.log.warn("NATS connection closed; connecting again", { server: this.state.server, error: closed ? describeError(closed) : undefined });
      } catch (err) {
        await this.nc?.close().catch(() => undefined);
        const message = this.explain(describeError(err));
        this.state.connected = false;
        this.state.lastError = message;
        // One line per distinct failure, not one per retry.
        if (message !== lastLogged) {
          this.log.warn("cannot connect to NATS; will keep trying", { servers, error: message });
          lastLogged = message;
        }
      }
      this.nc = null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoff);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  /** Adds what the client library cannot tell: a TLS timeout with no client certificate is most likely a refused one. */
  private explain(message: string): string {
    const s = this.settings;
    const tls = s.tls || s.tlsCaFile !== undefined;
    if (tls && s.tlsCertFile === undefined && /timeout/i.test(message)) {
      return `${message} (TLS: if the server verifies client certificates, set NATS_TLS_CERT and NATS_TLS_KEY)`;
    }
    return message;
  }

  private markConnected(nc: NatsConnection): void {
    this.state.connected = true;
    this.state.server = redactUrl(nc.getServer());
    this.state.lastError = null;
  }

  private watchStatus(nc: NatsConnection): void {
    void (async () => {
      for await (const s of nc.status()) {
        switch (s.type) {
          case "disconnect":
            this.state.connected = false;
            this.state.disconnects++;
            this.disconnectedSince = Date.now();
            this.log.warn("disconnected from NATS; reconnecting", { server: redactUrl(s.server) });
            break;
          case "reconnect": {
            const downMs = this.disconnectedSince === null ? 0 : Date.now() - this.disconnectedSince;
            this.disconnectedSince = null;
            this.state.disconnectedMs += downMs;
            this.markConnected(nc);
            this.log.info("reconnected to NATS", { server: this.state.server, downMs });
            break;
          }
          case "error": {
            const message = describeError(s.error);
            // The same refusal (e.g. a permission on a subject) repeats every interval: say it once a minute.
            const now = Date.now();
            if (message !== this.state.lastError || now - this.lastServerErrorLogAt > 60_000) {
              this.lastServerErrorLogAt = now;
              this.log.warn("NATS server refused an operation", { server: this.state.server, error: message });
            }
            this.state.lastError = message;
            break;
          }
          case "slowConsumer":
            this.log.warn("NATS subscription falling behind", { subject: s.sub.getSubject(), pending: s.pending });
            break;
          default:
            break;
        }
      }
    })().catch(() => {
      // The iterator ends with the connection; nothing to report beyond the closed() handling.
    });
  }

  /** Publishes if connected; answers false (and sends nothing) otherwise. */
  publish(subject: string, payload: string, opts?: PublishOptions): boolean {
    const nc = this.nc;
    if (!nc || !this.state.connected || nc.isClosed()) return false;
    nc.publish(subject, payload, opts);
    return true;
  }

  /** Stops reconnecting; flushes what we sent (acks included) and drains the connection within `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.wake?.();
    const nc = this.nc;
    if (nc && !nc.isClosed() && !this.state.connected) {
      // Nothing can be flushed or drained while the broker is away: waiting would only delay the exit.
      await nc.close().catch(() => undefined);
    } else if (nc && !nc.isClosed()) {
      const drained = nc.flush().then(() => nc.drain()).catch(() => undefined);
      const timedOut = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), timeoutMs));
      if ((await Promise.race([drained, timedOut])) === "timeout") await nc.close().catch(() => undefined);
    }
    this.state.connected = false;
    // A connect attempt in progress may take its whole timeout; it closes itself when it ends (stopping is set).
    await Promise.race([this.loop?.catch(() => undefined), new Promise((r) => setTimeout(r, 500))]);
  }
}
