// Structured log lines (text for journald, or JSON) with secrets scrubbed from every line.
import type { LogLevel } from "../config/config.ts";

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  level: LogLevel;
  format: "text" | "json";
  /** Strings that must never be printed (passwords, tokens). */
  secrets?: string[];
  write?: (line: string) => void;
}

function textValue(v: unknown): string {
  const s = String(v);
  return /^[^\s"=]+$/.test(s) ? s : JSON.stringify(s);
}

export function createLogger(opts: LoggerOptions): Logger {
  const write = opts.write ?? ((line: string) => console.log(line));
  // A secret may appear as written or JSON-escaped (a password holding a quote or backslash).
  const secrets = (opts.secrets ?? []).filter((s) => s.length > 0).flatMap((s) => [JSON.stringify(s).slice(1, -1), s]);
  const scrub = (line: string) => secrets.reduce((acc, s) => acc.split(s).join("[redacted]"), line);
  const min = RANK[opts.level];

  const log = (level: LogLevel, msg: string, fields: LogFields = {}) => {
    if (RANK[level] < min) return;
    const defined = Object.entries(fields).filter(([, v]) => v !== undefined);
    const line = opts.format === "json"
      ? JSON.stringify({ time: new Date().toISOString(), level, msg, ...Object.fromEntries(defined) })
      : `${level.toUpperCase().padEnd(5)} ${msg}${defined.map(([k, v]) => ` ${k}=${textValue(v)}`).join("")}`;
    write(scrub(line));
  };
  return {
    debug: (m, f) => log("debug", m, f),
    info: (m, f) => log("info", m, f),
    warn: (m, f) => log("warn", m, f),
    error: (m, f) => log("error", m, f),
  };
}
