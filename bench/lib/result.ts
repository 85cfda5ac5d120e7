// The figures a benchmark reports: printed as a table for people, and as one BENCH_RESULT line for bench/run.ts.

export interface Figure {
  /** Short name of the figure, e.g. "aggregator end-to-end". */
  name: string;
  value: number | string | null;
  unit: string;
  /** The target in words, when the figure has one. */
  target?: string;
  /** Whether the target is met (undefined when there is no target). */
  met?: boolean;
}

export interface BenchResult {
  bench: string;
  params: Record<string, unknown>;
  figures: Figure[];
  notes?: string[];
}

export const RESULT_PREFIX = "BENCH_RESULT ";

/** The result a benchmark's output line carries, or null for any other line. */
export function parseResultLine(line: string): BenchResult | null {
  return line.startsWith(RESULT_PREFIX) ? (JSON.parse(line.slice(RESULT_PREFIX.length)) as BenchResult) : null;
}

export function fmt(v: number | string | null, digits = 0): string {
  if (v === null) return "n/a";
  if (typeof v === "string") return v;
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  const d = abs !== 0 && abs < 10 && digits === 0 ? 2 : digits;
  return v.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(" | ")} |`;
  return [line(rows[0]!), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.slice(1).map(line)].join("\n");
}

/** Decimals that suit a unit: sub-millisecond figures keep two. */
export function fmtFigure(f: Pick<Figure, "value" | "unit">): string {
  if (typeof f.value !== "number") return fmt(f.value);
  if (f.unit === "µs") return fmt(f.value, f.value >= 100 ? 0 : 2);
  if (f.unit === "ms") return fmt(f.value, f.value >= 100 ? 0 : f.value >= 1 ? 1 : 3);
  return fmt(f.value);
}

export function figureRows(figures: Figure[]): string[][] {
  return figures.map((f) => [f.name, fmtFigure(f), f.unit, f.target ?? "", f.met === undefined ? "" : f.met ? "yes" : "NO"]);
}

/** Prints the human table and the machine line; call once at the end of a benchmark. */
export function report(result: BenchResult): void {
  console.log("");
  console.log(`== ${result.bench} ==`);
  console.log(table([["figure", "value", "unit", "target", "met"], ...figureRows(result.figures)]));
  for (const n of result.notes ?? []) console.log(`note: ${n}`);
  console.log(RESULT_PREFIX + JSON.stringify(result));
}

export function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[idx]!;
}

export function log(msg: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}
