// `bun run bench`: runs every benchmark as its own child process, one after the other (they would
// compete for the CPU otherwise), collects each one's BENCH_RESULT line and prints one table.
//
//   bun bench/run.ts [--smoke] [--only ingest-vs-ceiling,stats-cost] [--json results.json]
//   env: BENCH_SMOKE=1 (every benchmark at its small size); per-benchmark sizes as in each script.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SMOKE, strArg } from "./lib/args.ts";
import { fmtFigure, table, type BenchResult } from "./lib/result.ts";
import { runBenchScript } from "./lib/run-script.ts";

const BENCHES = [
  { name: "ingest-vs-ceiling", script: "ingest-vs-ceiling.ts", title: "1. ingest vs ceiling" },
  { name: "stats-cost", script: "stats-cost.ts", title: "2. stats cost vs history" },
  { name: "startup-memory", script: "startup-memory.ts", title: "3. startup and memory" },
  { name: "core-only", script: "core-only.ts", title: "4. core-only cost" },
  { name: "jetstream-vs-consumer", script: "jetstream-vs-consumer.ts", title: "5. JetStream ingest vs bare durable consumers" },
  { name: "high-availability", script: "high-availability.ts", title: "6. high availability: failover, lease traffic, clustered ingest" },
  { name: "pipeline-split", script: "pipeline-split.ts", title: "(diagnostic) in-process pipeline split" },
];

const only = strArg("only")?.split(",").filter(Boolean);
const jsonOut = strArg("json");
const selected = BENCHES.filter((b) => !only || only.includes(b.name));

interface Outcome {
  bench: (typeof BENCHES)[number];
  result: BenchResult | null;
  code: number | null;
  seconds: number;
}

async function runOne(bench: (typeof BENCHES)[number]): Promise<Outcome> {
  const started = performance.now();
  const script = join(import.meta.dir, bench.script);
  const args = SMOKE ? ["--smoke"] : [];
  process.stderr.write(`\n### ${bench.title}: bun ${["bench/" + bench.script, ...args].join(" ")}\n`);
  const { result, code } = await runBenchScript(script, args);
  return { bench, result, code, seconds: (performance.now() - started) / 1000 };
}

function git(args: string[]): string {
  const r = Bun.spawnSync(["git", ...args], { cwd: join(import.meta.dir, "..") });
  return r.exitCode === 0 ? r.stdout.toString().trim() : "?";
}
const revision = `${git(["rev-parse", "--short", "HEAD"])}${git(["status", "--porcelain", "src"]) ? " (src has uncommitted changes)" : ""}`;
const machine = {
  nproc: navigator.hardwareConcurrency,
  memGiB: Math.round(require("node:os").totalmem() / 2 ** 30),
  bun: Bun.version,
  revision,
};

const outcomes: Outcome[] = [];
for (const b of selected) outcomes.push(await runOne(b));

const rows: string[][] = [["benchmark", "figure", "value", "unit", "target", "met"]];
for (const o of outcomes) {
  if (!o.result) {
    rows.push([o.bench.name, `FAILED (exit ${o.code}) after ${o.seconds.toFixed(0)} s`, "", "", "", ""]);
    continue;
  }
  for (const f of o.result.figures) {
    rows.push([o.bench.name, f.name, fmtFigure(f), f.unit, f.target ?? "", f.met === undefined ? "" : f.met ? "yes" : "NO"]);
  }
}
console.log(`\nBenchmark results${SMOKE ? " (SMOKE sizes: not representative)" : ""}: ${machine.nproc} cores, ${machine.memGiB} GiB, bun ${machine.bun}, source ${machine.revision}\n`);
console.log(table(rows));
const targets = outcomes.flatMap((o) => (o.result?.figures ?? []).filter((f) => f.met !== undefined).map((f) => ({ bench: o.bench.name, ...f })));
const missed = targets.filter((t) => !t.met);
console.log(`\ntargets: ${targets.length - missed.length}/${targets.length} met${missed.length ? `; missed: ${missed.map((m) => `${m.bench}: ${m.name} = ${fmtFigure(m)} ${m.unit} (target ${m.target})`).join("; ")}` : ""}`);
for (const o of outcomes) console.log(`${o.bench.name}: ${o.seconds.toFixed(0)} s${o.code === 0 ? "" : ` (exit ${o.code})`}`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ machine, outcomes: outcomes.map((o) => ({ bench: o.bench.name, seconds: o.seconds, code: o.code, result: o.result })) }, null, 2));
process.exit(outcomes.every((o) => o.code === 0 && o.result) ? 0 : 1);
