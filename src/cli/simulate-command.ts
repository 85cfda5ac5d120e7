// `aggregator simulate`: publishes real-format monitor traffic from a simulated fleet to any NATS server, with a progress line.
import { redactUrl } from "../config/config.ts";
import { SimulatedFleet } from "../simulation/fleet.ts";
import { randomSeed } from "../simulation/seeded-random.ts";
import { paceTraffic, type TrafficProgress } from "../simulation/traffic-pacer.ts";
import { connectCli, natsSettingsFor } from "./cli-connection.ts";
import type { Command } from "./command.ts";
import { EXIT } from "./exit-codes.ts";
import { formatDuration } from "./options.ts";
import { StatusLine } from "./status-line.ts";

const NAME = "simulate";
const CONNECT_TIMEOUT_MS = 10_000;

/** How a run reads on its progress line and in its final report. */
function describeProgress(p: TrafficProgress): string {
  const s = p.bySubject;
  const perSecond = p.elapsedMs > 0 ? (p.sent * 1000) / p.elapsedMs : 0;
  const parts = [
    `${formatDuration(p.elapsedMs)}`,
    `sent ${p.sent} (${perSecond.toFixed(1)}/s)`,
    `tasks ${s["truebit.tasks.received"] ?? 0} received, ${s["truebit.tasks.completed"] ?? 0} completed`,
    `invoices ${s["truebit.invoices.created"] ?? 0}`,
    `heartbeats ${s["truebit.heartbeat"] ?? 0}`,
  ];
  if (p.notSent > 0) parts.push(`${p.notSent} not sent (disconnected)`);
  return parts.join("  ");
}

/** Ends at the first of: the abort signal, SIGINT, SIGTERM. */
function stopOnSignals(controller: AbortController): () => void {
  const stop = () => controller.abort();
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return () => {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  };
}

export const simulateCommand: Command = {
  name: NAME,
  summary: "publish simulated monitor traffic to a NATS server (staging, load tests)",
  usage: "simulate --url URL [--nodes N] [--rate R] [--duration D] [--seed N]",
  description: `Simulates N TrueBit Monitors and publishes what they would send, in the real wire format:
node announcements, heartbeats (every 30 s per node, with continent and location), tasks
received and completed (about 95 % succeed, 20 % from cache), invoices, and a few repeated
reports that the aggregator must count once. Every message is attempted exactly once; with
--duration, exactly R x D of them. Stop early with Ctrl-C.
Authenticate as a monitor with NATS_USER/NATS_PASSWORD, NATS_TOKEN or NATS_CREDS.`,
  options: [
    { name: "url", kind: "text", value: "URL", description: "NATS server to publish to, e.g. nats://127.0.0.1:4222", required: true },
    { name: "nodes", kind: "count", value: "N", description: "number of simulated monitors", default: "10", max: 100_000 },
    { name: "rate", kind: "rate", value: "R", description: "messages per second, all monitors together", default: "20", max: 1_000_000 },
    { name: "duration", kind: "duration", value: "D", description: "stop after D (500ms, 30s, 5m, 1h); without it, run until Ctrl-C" },
    { name: "seed", kind: "count", value: "N", description: "replay the exact traffic of an earlier run; default a new random seed, which is printed", max: 0xffff_ffff },
  ],
  examples: [
    "aggregator simulate --url nats://127.0.0.1:4222 --nodes 20 --rate 100 --duration 1m",
    "NATS_CREDS=monitor.creds aggregator simulate --url wss://staging.example:9086 --rate 2000",
  ],
  async run(options, env) {
    const url = options.text("url")!;
    const settings = natsSettingsFor(NAME, url, env);
    const nodes = options.number("nodes");
    const rate = options.number("rate");
    const durationMs = options.optionalNumber("duration");
    const seed = options.optionalNumber("seed") ?? randomSeed();
    const status = new StatusLine(process.stdout);

    const keeper = await connectCli(NAME, settings, { timeoutMs: CONNECT_TIMEOUT_MS, warn: (line) => status.print(line) });
    const target = settings.servers.map(redactUrl).join(",");
    const span = durationMs === undefined ? "until Ctrl-C" : `for ${formatDuration(durationMs)} (${Math.round((rate * durationMs) / 1000)} messages)`;
    process.stdout.write(`simulating ${nodes} monitors publishing ${rate} messages/s to ${target} ${span}, seed ${seed}\n`);

    const fleet = new SimulatedFleet({ nodes, seed });
    const controller = new AbortController();
    const release = stopOnSignals(controller);
    let result: TrafficProgress;
    try {
      result = await paceTraffic(
        fleet,
        (m) => keeper.publish(m.subject, m.payload),
        async () => void (await keeper.connection?.flush().catch(() => undefined)),
        { ratePerSecond: rate, durationMs, signal: controller.signal, onProgress: (p) => !p.done && status.update(describeProgress(p)) },
      );
    } finally {
      release();
      await keeper.stop(2000);
    }
    status.end();
    const how = controller.signal.aborted ? "stopped" : "done";
    process.stdout.write(`${how}: ${describeProgress(result)}\n`);
    // Messages lost to a disconnection make the run's volume wrong: say so in the exit code.
    return result.notSent > 0 ? EXIT.runtime : EXIT.ok;
  },
};
