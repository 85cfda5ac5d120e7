// Parses a command's --options against its declared list, with one-line errors that name the command and the option.
import { UsageError } from "./cli-errors.ts";

export type OptionKind = "flag" | "text" | "count" | "rate" | "duration" | "port";

export interface OptionSpec {
  /** Without the leading dashes. */
  name: string;
  kind: OptionKind;
  /** Placeholder shown in help, e.g. URL or N. */
  value?: string;
  description: string;
  /** Written as a user would type it; parsed like user input, and shown in help. */
  default?: string;
  required?: boolean;
  /** Upper bound for count and rate. */
  max?: number;
  /** Given without --name, in order (e.g. the PATH of `backup PATH`); always kind "text". */
  positional?: boolean;
}

export type OptionValue = string | number | boolean;

export class ParsedOptions {
  constructor(private readonly command: string, private readonly values: ReadonlyMap<string, OptionValue>) {}

  flag(name: string): boolean {
    return this.values.get(name) === true;
  }

  text(name: string): string | undefined {
    const v = this.values.get(name);
    return typeof v === "string" ? v : undefined;
  }

  /** A count, rate, port, or duration in milliseconds; undefined when neither given nor defaulted. */
  optionalNumber(name: string): number | undefined {
    const v = this.values.get(name);
    return typeof v === "number" ? v : undefined;
  }

  /** For options with a default, which therefore always have a value. */
  number(name: string): number {
    const v = this.optionalNumber(name);
    if (v === undefined) throw new Error(`aggregator ${this.command}: option --${name} has no value and no default`);
    return v;
  }
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** "500ms", "30s", "5m", "1h", or a plain number of seconds; undefined when it is none of these. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|min|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * DURATION_UNITS[m[2] ?? "s"]!);
}

/** A duration as a person reads it: 1.5 s, 2 min, 1 h 30 min. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  if (minutes < 60) return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
  const rest = minutes % 60;
  return rest ? `${Math.floor(minutes / 60)} h ${rest} min` : `${Math.floor(minutes / 60)} h`;
}

function convert(command: string, spec: OptionSpec, raw: string): OptionValue {
  const bad = (what: string) => new UsageError(command, `--${spec.name} must be ${what} (got "${raw}")`);
  const max = spec.max ?? Number.MAX_SAFE_INTEGER;
  switch (spec.kind) {
    case "flag":
      return true;
    case "text":
      if (raw.trim() === "") throw bad("a non-empty value");
      return raw;
    case "count": {
      const n = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!(n >= 1 && n <= max)) throw bad(`a whole number from 1 to ${max}`);
      return n;
    }
    case "rate": {
      const n = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!(n > 0 && n <= max)) throw bad(`a positive number${spec.max ? ` up to ${max}` : ""}`);
      return n;
    }
    case "duration": {
      const ms = parseDuration(raw);
      if (ms === undefined || ms <= 0) throw bad("a duration such as 500ms, 30s, 5m or 1h");
      return ms;
    }
    case "port": {
      const n = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!(n >= 0 && n <= 65535)) throw bad("a port number from 0 to 65535, where 0 picks a free one");
      return n;
    }
  }
}

/** Levenshtein distance, to suggest the option a typo meant. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The one candidate a typo most likely meant, if there is exactly one close enough. */
export function suggest(name: string, candidates: readonly string[]): string | undefined {
  const close = candidates.filter((c) => distance(c.toLowerCase(), name.toLowerCase()) <= 2 || (name.length >= 3 && c.startsWith(name)));
  return close.length === 1 ? close[0] : undefined;
}

function unknownOption(command: string, specs: readonly OptionSpec[], name: string): UsageError {
  const close = suggest(name, specs.map((s) => s.name));
  return new UsageError(command, `unknown option "--${name}"${close ? ` (did you mean --${close}?)` : ""}`);
}

/** Parses `--name value`, `--name=value`, flags, and the positional arguments a command declares. */
export function parseOptions(command: string, specs: readonly OptionSpec[], argv: readonly string[]): ParsedOptions {
  const byName = new Map(specs.filter((s) => !s.positional).map((s) => [s.name, s]));
  const positionals = specs.filter((s) => s.positional);
  const values = new Map<string, OptionValue>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const slot = positionals.find((p) => !values.has(p.name));
    if (slot && !arg.startsWith("-")) {
      values.set(slot.name, convert(command, slot, arg));
      continue;
    }
    if (!arg.startsWith("--") || arg === "--") {
      const what = arg.startsWith("-") && arg !== "--" ? `unknown option "${arg}"` : `unexpected argument "${arg}"`;
      throw new UsageError(command, specs.length === 0 ? `${what}: ${command} takes no arguments` : what);
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) throw unknownOption(command, specs, name);
    if (values.has(name)) throw new UsageError(command, `--${name} is given twice`);
    if (spec.kind === "flag") {
      if (eq !== -1) throw new UsageError(command, `--${name} takes no value (got "${arg.slice(eq + 1)}")`);
      values.set(name, true);
      continue;
    }
    let raw: string | undefined;
    if (eq !== -1) raw = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) raw = argv[++i];
    if (raw === undefined) throw new UsageError(command, `--${name} needs a value${spec.value ? ` (${spec.value})` : ""}`);
    values.set(name, convert(command, spec, raw));
  }
  for (const spec of specs) {
    if (values.has(spec.name)) continue;
    if (spec.default !== undefined) values.set(spec.name, convert(command, spec, spec.default));
    else if (spec.required) {
      throw new UsageError(command, spec.positional ? `${spec.value ?? spec.name} is required: ${spec.description}` : `--${spec.name} is required: ${spec.description}`);
    }
  }
  return new ParsedOptions(command, values);
}
