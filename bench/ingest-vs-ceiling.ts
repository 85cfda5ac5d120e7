// Bench 1: ingest vs ceiling. A publisher child process sends N real-format messages as fast as it can;
// (a) a bare subscriber process that only JSON-parses and counts, then (b) the aggregator as a real child
// process, are measured against the same traffic through the same nats-server.
//
//   bun bench/ingest-vs-ceiling.ts [--messages 1000000] [--ceiling-runs 3] [--smoke] [--profile] [--baseline-tree DIR]
//                                  [--baseline-env NAME=VALUE,...]
//   env: BENCH_MESSAGES, BENCH_CEILING_RUNS, BENCH_SMOKE=1, BENCH_PROFILE=1, BENCH_IDS=sequential|random, BENCH_BASELINE_TREE
//
// --baseline-tree also runs the aggregator of another checkout (e.g. `git worktree add /tmp/v010 2325a78`)
// against the same publisher and ceiling, so the two designs are compared within one run.
// --baseline-env sets variables for that second run (with `--baseline-tree .`: this tree, configured
// otherwise, e.g. HEAP_TRIM_MB=0).
//
// After the aggregator's run, the same traffic goes through the pipeline in-process (bench/pipeline-split.ts
// --untimed: no NATS, one thread, the service's code and defaults). The service does that work on its main
// thread too, so 1 / (its µs per message) over the ceiling is the ratio the service would reach if receiving
// from NATS cost nothing: what no tuning of the receiving side can pass. It is measured a minute after the
// aggregator's run, so it drifts with the machine as any two runs do. --no-pipeline-alone skips it.
//
// --profile runs the aggregator under `bun --cpu-prof --cpu-prof-md` and prints where the profile went.
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { envListArg, hasFlag, intArg, strArg } from "./lib/args.ts";
import { Publisher, runAggregator, runCeiling } from "./lib/ingest.ts";
import { startBenchNats } from "./lib/nats.ts";
import { MB } from "./lib/proc.ts";
import { log, report, type Figure } from "./lib/result.ts";
import { runBenchScript } from "./lib/run-script.ts";
import { summariseProfile } from "./profile-summary.ts";
import { ID_ORDER, roundMessages } from "./lib/traffic.ts";

const messages = roundMessages(intArg("messages", 1_000_000, 20_000));
const profile = hasFlag("profile");
const ceilingRuns = intArg("ceiling-runs", 3, 1);
const baselineTree = strArg("baseline-tree");
const baselineEnv = envListArg("baseline-env");
const baselineEnvArg = strArg("baseline-env") ?? "";
const pipelineAlone = !hasFlag("no-pipeline-alone");

/** µs per message of the pipeline alone over this run's traffic, from bench/pipeline-split.ts --untimed. */
async function pipelineAloneMicros(): Promise<number> {
  const { result, code } = await runBenchScript(join(import.meta.dir, "pipeline-split.ts"), ["--untimed", "--messages", String(messages)]);
  const total = result?.figures.find((f) => f.name === "total per message")?.value;
  if (code !== 0 || typeof total !== "number") throw new Error(`bench/pipeline-split.ts --untimed exited ${code} without its total per message`);
  return total;
}

const nats = await startBenchNats();
let publisher: Publisher | null = null;
try {
  log(`bench 1: ingest vs ceiling, ${messages.toLocaleString()} messages (${ID_ORDER} task ids), nats-server ${(await nats.varz()).version} on ${nats.url}`);
  publisher = await Publisher.start(nats.url, messages);

  // The ceiling is cheap to measure and noisy on 2 cores: take the median of a few runs.
  const ceilings = [];
  for (let r = 0; r < ceilingRuns; r++) {
    const c = await runCeiling(nats, publisher);
    log(`ceiling run ${r + 1}/${ceilingRuns}: ${Math.round(c.rate).toLocaleString()} msgs/s, lost ${c.lost}`);
    ceilings.push(c);
  }
  ceilings.sort((a, b) => a.rate - b.rate);
  const ceiling = ceilings[Math.floor((ceilings.length - 1) / 2)]!;
  const ceilingLost = ceilings.reduce((s, c) => s + c.lost, 0);

  let profileDir: string | undefined;
  // Not under the test helpers' temp root, which is removed when this process exits.
  if (profile) profileDir = mkdtempSync(join(tmpdir(), "agg-prof-"));
  const agg = await runAggregator(nats, publisher, {
    // BENCH_BUN_FLAGS (e.g. "--smol") tries runtime flags on the aggregator.
    bunFlags: [
      ...(process.env.BENCH_BUN_FLAGS ?? "").split(" ").filter(Boolean),
      ...(profileDir ? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${profileDir}`] : []),
    ],
  });
  log(`aggregator: ${Math.round(agg.rate).toLocaleString()} msgs/s, lost ${agg.lost}`);
  const baseline = baselineTree ? await runAggregator(nats, publisher, { tree: baselineTree, env: baselineEnv }) : null;
  if (baseline) log(`baseline aggregator (${baselineTree}): ${Math.round(baseline.rate).toLocaleString()} msgs/s, lost ${baseline.lost}`);

  let pipelineMicros: number | null = null;
  if (pipelineAlone) {
    log("the same traffic through the pipeline alone (in-process, no NATS)");
    pipelineMicros = await pipelineAloneMicros();
  }

  const ratio = agg.rate / ceiling.rate;
  const figures: Figure[] = [
    { name: "messages published", value: messages, unit: "msgs" },
    { name: "publisher send time (aggregator run)", value: agg.publishMs, unit: "ms" },
    { name: `ceiling rate (bare subscriber, JSON.parse + count; median of ${ceilingRuns})`, value: Math.round(ceiling.rate), unit: "msgs/s" },
    { name: "ceiling elapsed (first publish -> last received)", value: ceiling.elapsedMs, unit: "ms" },
    { name: "publisher send time (ceiling run)", value: ceiling.publishMs, unit: "ms" },
    { name: "ceiling lost (all runs)", value: ceilingLost, unit: "msgs", target: "0", met: ceilingLost === 0 },
    { name: "ceiling slow consumers (nats-server /varz)", value: ceilings.reduce((s, c) => s + c.slowConsumers, 0), unit: "" },
    { name: "aggregator rate (first publish -> all committed)", value: Math.round(agg.rate), unit: "msgs/s" },
    { name: "aggregator elapsed", value: agg.elapsedMs, unit: "ms" },
    { name: "aggregator lost (published - received)", value: agg.lost, unit: "msgs", target: "0", met: agg.lost === 0 },
    { name: "aggregator slow consumers (nats-server /varz)", value: agg.slowConsumers, unit: "" },
    { name: "aggregator NATS disconnects (service log)", value: agg.disconnects, unit: "" },
    { name: "aggregator accepted (valid, admitted, committed)", value: agg.accepted, unit: "msgs", target: "= published", met: agg.accepted === messages },
    { name: "aggregator / ceiling", value: `${(ratio * 100).toFixed(1)}%`, unit: "", target: ">= 50% with 0 lost", met: ratio >= 0.5 && agg.lost === 0 && ceilingLost === 0 },
    { name: "SQLite rows match (tasks, finished, invoices, nodes)", value: agg.rowsOk ? "yes" : `NO ${JSON.stringify(agg.rows)}`, unit: "", target: "yes", met: agg.rowsOk },
    { name: "aggregator peak RSS (sampled 100 ms)", value: Math.round(agg.peakRss / MB), unit: "MB" },
    { name: "aggregator VmHWM", value: Math.round(agg.vmHwm / MB), unit: "MB" },
    { name: "aggregator JS heap in use, largest seen on /metrics", value: Math.round(agg.peakHeap / MB), unit: "MB" },
    { name: "aggregator CPU time per message (user + system)", value: Number(((agg.cpuSeconds / messages) * 1e6).toFixed(2)), unit: "µs" },
  ];
  if (pipelineMicros !== null) {
    figures.push(
      { name: "ceiling wall time per message", value: Number((1e6 / ceiling.rate).toFixed(2)), unit: "µs" },
      { name: "pipeline alone, same traffic (in-process, no NATS, one thread)", value: Number(pipelineMicros.toFixed(2)), unit: "µs" },
      { name: "ratio if receiving cost nothing: (1 / pipeline alone) / ceiling", value: `${((1e6 / pipelineMicros / ceiling.rate) * 100).toFixed(1)}%`, unit: "" },
    );
  }
  if (baseline) {
    figures.push(
      { name: `baseline aggregator (${baselineTree}${baselineEnvArg ? ` ${baselineEnvArg}` : ""}) rate`, value: Math.round(baseline.rate), unit: "msgs/s" },
      { name: "baseline aggregator lost", value: baseline.lost, unit: "msgs" },
      { name: "baseline aggregator / ceiling", value: `${((baseline.rate / ceiling.rate) * 100).toFixed(1)}%`, unit: "" },
      { name: "baseline aggregator peak RSS (sampled 100 ms, VmHWM)", value: Math.round(Math.max(baseline.peakRss, baseline.vmHwm) / MB), unit: "MB" },
      { name: "baseline aggregator CPU time per message (user + system)", value: Number(((baseline.cpuSeconds / messages) * 1e6).toFixed(2)), unit: "µs" },
      { name: "this aggregator / baseline aggregator", value: `x${(agg.rate / baseline.rate).toFixed(2)}`, unit: "" },
    );
  }
  const notes = [
    `ceiling runs (msgs/s): ${ceilings.map((c) => Math.round(c.rate)).join(", ")}; subscriber-side span of the median run ${ceiling.subscriberSpanMs} ms`,
    `expected rows: tasks ${publisher.ready.expected.tasks}, invoices ${publisher.ready.expected.invoices}, nodes ${publisher.ready.expected.nodes}; found ${JSON.stringify(agg.rows)}`,
    `aggregator ${agg.collections}`,
    `ceiling (median run) CPU ${ceiling.cores}`,
    `aggregator CPU ${agg.cores}`,
    ...(baseline ? [`baseline aggregator CPU ${baseline.cores}`] : []),
    `aggregator counts: accepted ${agg.accepted}, invalid ${agg.invalid}, rejected by limits ${agg.rejected}, duplicates ${agg.duplicates}, dropped ${agg.dropped}; exit code ${agg.exitCode}`,
  ];
  if (profileDir) {
    const files = readdirSync(profileDir).map((f) => join(profileDir!, f));
    notes.push(`CPU profile of the aggregator (profiling slows it; rates of this run are not comparable): ${files.join(", ") || "(none written)"}`);
    const cpuprofile = files.find((f) => f.endsWith(".cpuprofile"));
    if (cpuprofile) {
      const { totalMs, categories } = summariseProfile(cpuprofile);
      notes.push(`profile summary (${totalMs.toFixed(0)} ms sampled): ${categories.slice(0, 14).map((c) => `${c.name} ${(c.share * 100).toFixed(1)}%`).join("; ")}`);
    }
  }
  report({
    bench: "ingest-vs-ceiling",
    params: { messages, payloadBytes: publisher.ready.bytes, ceilingRuns, ids: ID_ORDER },
    figures,
    notes,
  });
} finally {
  await publisher?.stop();
  await nats.dispose();
}
