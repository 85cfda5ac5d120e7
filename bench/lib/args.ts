// Command-line and environment knobs shared by the benchmark scripts (sizes, smoke mode).

const argv = process.argv.slice(2);

function flagValue(name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}`) return argv[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

export function hasFlag(name: string): boolean {
  return argv.includes(`--${name}`) || process.env[`BENCH_${name.toUpperCase().replace(/-/g, "_")}`] === "1";
}

/** True under `--smoke` or BENCH_SMOKE=1: every benchmark shrinks to a quick sanity run. */
export const SMOKE = hasFlag("smoke");

function parseCount(raw: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(raw.trim().replace(/_/g, ""));
  if (!m) throw new Error(`${what}: "${raw}" is not a count (e.g. 1000000, 100k, 1m)`);
  const mult = m[2] === "" ? 1 : m[2]!.toLowerCase() === "k" ? 1_000 : 1_000_000;
  return Math.round(Number(m[1]) * mult);
}

/** An integer from `--name`, else env BENCH_NAME, else the smoke or full default. */
export function intArg(name: string, full: number, smoke: number): number {
  const env = process.env[`BENCH_${name.toUpperCase().replace(/-/g, "_")}`];
  const raw = flagValue(name) ?? env;
  return raw === undefined || raw === "" ? (SMOKE ? smoke : full) : parseCount(raw, `--${name}`);
}

/** A comma-separated list of counts from `--name` / BENCH_NAME. */
export function listArg(name: string, full: number[], smoke: number[]): number[] {
  const env = process.env[`BENCH_${name.toUpperCase().replace(/-/g, "_")}`];
  const raw = flagValue(name) ?? env;
  if (raw === undefined || raw === "") return SMOKE ? smoke : full;
  return raw.split(",").filter(Boolean).map((s) => parseCount(s, `--${name}`));
}

export function strArg(name: string, fallback?: string): string | undefined {
  return flagValue(name) ?? process.env[`BENCH_${name.toUpperCase().replace(/-/g, "_")}`] ?? fallback;
}

/** `NAME=VALUE,...` from `--name` / BENCH_NAME, as variables for a process; {} when absent. */
export function envListArg(name: string): Record<string, string> {
  const raw = strArg(name) ?? "";
  return Object.fromEntries(raw.split(",").filter(Boolean).map((kv) => {
    const at = kv.indexOf("=");
    if (at < 1) throw new Error(`--${name}: "${kv}" is not NAME=VALUE`);
    return [kv.slice(0, at), kv.slice(at + 1)];
  }));
}
