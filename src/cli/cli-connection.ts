// Connects the command-line tools (simulate, stats, the demo's fleet) to NATS with the service's own connection code.
import type { NatsConnection } from "@nats-io/nats-core";
import { ConfigError, loadConfig, redactUrl, type NatsSettings } from "../config/config.ts";
import { createLogger } from "../log/logger.ts";
import { NatsConnectionKeeper } from "../nats/connection.ts";
import { webSocketUnavailableReason } from "../runtime.ts";
import { CommandFailure, UsageError } from "./cli-errors.ts";
import type { Env } from "./command.ts";

const AUTH_VARIABLES = ["NATS_USER", "NATS_PASSWORD", "NATS_TOKEN", "NATS_CREDS"] as const;
const FIRST_ERROR_POLL_MS = 50;

/** Throws a configuration error, named after `label` (NATS_URL or --url), when this runtime cannot speak the URL's transport. */
export function assertTransportAvailable(settings: NatsSettings, label: string): void {
  if (settings.transport !== "websocket") return;
  const reason = webSocketUnavailableReason();
  if (reason) throw new ConfigError(`${label}: ws:// and wss:// cannot be used: ${reason}; or use nats:// or tls://`);
}

/**
 * The server(s) given with --url (or else NATS_URL, or else its default), authenticated as the
 * environment says (NATS_USER/NATS_PASSWORD, NATS_TOKEN or NATS_CREDS), parsed by the service's own configuration code.
 */
export function natsSettingsFor(command: string, url: string | undefined, env: Env): NatsSettings {
  const subset: Env = { NATS_URL: url ?? env.NATS_URL };
  for (const name of AUTH_VARIABLES) subset[name] = env[name];
  const fromOption = url !== undefined;
  let settings: NatsSettings;
  try {
    settings = loadConfig(subset).nats;
    assertTransportAvailable(settings, fromOption ? "--url" : "NATS_URL");
  } catch (err) {
    // A URL given on the command line is a usage error that names the option, not the variable.
    if (fromOption && err instanceof ConfigError && /^(NATS_URL|--url): /.test(err.message)) {
      throw new UsageError(command, `--url: ${err.message.replace(/^(NATS_URL|--url): /, "")}`);
    }
    throw err;
  }
  return settings;
}

export interface CliConnectionOptions {
  /** Give up when no connection was made within this long. */
  timeoutMs: number;
  /** Runs on every fresh connection: subscribe here. */
  onConnected?: (nc: NatsConnection) => void;
  /** Where connection warnings go once connected (a reconnect during a long run, a permissions error). */
  warn: (line: string) => void;
}

/**
 * Connects, or fails fast with the first connection error: unlike the service, a command-line tool
 * should tell its user at once that the server is unreachable. Once connected, it reconnects by itself.
 */
export async function connectCli(command: string, settings: NatsSettings, opts: CliConnectionOptions): Promise<NatsConnectionKeeper> {
  let connected = false;
  const log = createLogger({
    level: "warn",
    format: "text",
    secrets: [settings.password, settings.token].filter((s): s is string => !!s),
    // Before the first connection, failures are reported once, below, as the command's error.
    write: (line) => connected && opts.warn(line),
  });
  let markConnected = () => {};
  const ready = new Promise<void>((resolve) => (markConnected = resolve));
  const keeper = new NatsConnectionKeeper(settings, log, (nc) => {
    opts.onConnected?.(nc);
    connected = true;
    markConnected();
  });
  keeper.start();

  let poll: ReturnType<typeof setInterval> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const failed = new Promise<string>((resolve) => {
    poll = setInterval(() => keeper.state.lastError && resolve(keeper.state.lastError), FIRST_ERROR_POLL_MS);
    timer = setTimeout(() => resolve(`no answer within ${Math.round(opts.timeoutMs / 1000)} s`), opts.timeoutMs);
  });
  const outcome = await Promise.race([ready.then(() => null), failed]);
  clearInterval(poll);
  clearTimeout(timer);
  if (outcome !== null) {
    await keeper.stop(0);
    throw new CommandFailure(command, `cannot connect to ${settings.servers.map(redactUrl).join(",")}: ${outcome}`);
  }
  return keeper;
}
