// `aggregator demo`: a whole federation on this machine (nats-server, the aggregator, a simulated fleet) with a live summary; Ctrl-C stops it all.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../config/config.ts";
import { createLogger } from "../log/logger.ts";
import { networkStatsMessageSchema, type NetworkStatsMessage } from "../protocol/stats-message.ts";
import { STATS_SUBJECT } from "../protocol/subjects.ts";
import { startAggregator, type RunningAggregator } from "../service/aggregator-service.ts";
import { SimulatedFleet } from "../simulation/fleet.ts";
import { randomSeed } from "../simulation/seeded-random.ts";
import { paceTraffic } from "../simulation/traffic-pacer.ts";
import { VERSION } from "../version.ts";
import { connectCli } from "./cli-connection.ts";
import { CommandFailure, UsageError } from "./cli-errors.ts";
import type { Command } from "./command.ts";
import { EXIT } from "./exit-codes.ts";
import { findNatsServer, startLocalNatsServer, type LocalNatsServer } from "./local-nats-server.ts";
import { formatDuration } from "./options.ts";
import { selfCommand } from "./self-command.ts";
import { statsSummaryLine } from "./stats-format.ts";
import { StatusLine } from "./status-line.ts";

const NAME = "demo";
/** Monitors beat every 30 s; faster here so a short demo shows nodes and places at once. */
const DEMO_HEARTBEAT_MS = 5000;
/** A stuck part must not hold the terminal: after this, everything is killed. */
const SHUTDOWN_DEADLINE_MS = 8000;

export const demoCommand: Command = {
  name: NAME,
  summary: "try it on this machine: local nats-server, the service and a simulated fleet",
  usage: "demo [--nodes N] [--rate R] [--interval D] [--http-port PORT] [--verbose]",
  description: `Starts everything on this machine and nothing beyond it: a nats-server (from PATH or
/usr/sbin, or NATS_SERVER_BIN) on a free 127.0.0.1 port, the aggregator with a temporary
database, and a fleet of simulated monitors publishing real-format traffic. Prints the
addresses, then one live line per published stats message. Ctrl-C stops all of it and
removes the temporary files. The environment's NATS_*, DB_PATH and other settings are not used.`,
  options: [
    { name: "nodes", kind: "count", value: "N", description: "number of simulated monitors", default: "12", max: 10_000 },
    { name: "rate", kind: "rate", value: "R", description: "messages per second, all monitors together", default: "20", max: 100_000 },
    { name: "interval", kind: "duration", value: "D", description: "how often the aggregator publishes stats, as PUBLISH_INTERVAL", default: "2s" },
    { name: "http-port", kind: "port", value: "PORT", description: "port of the health endpoint; 0 picks a free one", default: "0" },
    { name: "verbose", kind: "flag", description: "also show the aggregator's own log lines" },
  ],
  examples: ["aggregator demo", "aggregator demo --nodes 50 --rate 200 --interval 5s"],
  async run(options, env) {
    const intervalMs = options.number("interval");
    if (intervalMs < 100) throw new UsageError(NAME, `--interval must be at least 100ms (got ${formatDuration(intervalMs)})`);
    const lookup = findNatsServer(env);
    if ("problem" in lookup) throw new CommandFailure(NAME, lookup.problem);

    const status = new StatusLine(process.stdout);
    const stopping = new AbortController();
    const dir = mkdtempSync(join(tmpdir(), "aggregator-demo-"));
    let nats: LocalNatsServer | undefined;
    let service: RunningAggregator | undefined;
    let forced = false;

    // Whatever ends this process, the nats-server child and the temporary files go with it.
    const lastResort = () => {
      nats?.killNow();
      rmSync(dir, { recursive: true, force: true });
    };
    process.once("exit", lastResort);
    const onSignal = () => {
      if (!stopping.signal.aborted) return stopping.abort();
      // A second Ctrl-C: the user does not want to wait for an orderly stop.
      forced = true;
      process.stderr.write("\naggregator demo: stopping at once\n");
      lastResort();
      process.exit(EXIT.runtime);
    };
    const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
    for (const s of signals) process.on(s, onSignal);

    try {
      nats = await startLocalNatsServer(lookup.path, dir);
      const config = loadConfig({
        NATS_URL: nats.url,
        DB_PATH: join(dir, "aggregator.db"),
        HTTP_HOST: "127.0.0.1",
        HTTP_PORT: String(options.number("http-port")),
        PUBLISH_INTERVAL: String(intervalMs),
        LOG_LEVEL: options.flag("verbose") ? "info" : "warn",
      });
      const log = createLogger({ level: config.logLevel, format: "text", write: (line) => status.print(`  aggregator | ${line}`) });
      try {
        service = await startAggregator(config, log);
      } catch (err) {
        // The demo chose every variable itself; the one the user can change is --http-port.
        throw new CommandFailure(NAME, `cannot start the aggregator: ${(err as Error).message.replace("HTTP_HOST/HTTP_PORT", "--http-port")}`);
      }

      let sent = 0;
      let latest: NetworkStatsMessage | undefined;
      const fleetLink = await connectCli(NAME, config.nats, {
        timeoutMs: 10_000,
        warn: (line) => status.print(`  fleet | ${line}`),
        onConnected: (nc) => void nc.subscribe(STATS_SUBJECT, {
          callback: (_err, msg) => {
            const parsed = networkStatsMessageSchema.safeParse(msg.json());
            if (!parsed.success) return status.print(`  demo | a stats message did not follow the contract: ${parsed.error.issues[0]?.message}`);
            latest = parsed.data;
            status.update(`${statsSummaryLine(latest)}  (fleet sent ${sent})`);
          },
        }),
      });

      const nodes = options.number("nodes");
      const rate = options.number("rate");
      const http = `http://127.0.0.1:${service.httpPort}`;
      process.stdout.write(`aggregator demo ${VERSION}: a federation on this machine; Ctrl-C stops everything.

  NATS        ${nats.url}  (nats-server pid ${nats.pid}, ${lookup.path})
  dashboard   ${http}/  (open it in a browser)
  HTTP        ${http}/readyz  (also /api/stats, /api/history, /api/status and Prometheus /metrics)
  database    ${config.dbPath}  (temporary)
  fleet       ${nodes} simulated monitors, ${rate} messages/s, stats every ${formatDuration(intervalMs)}

  In another terminal:  ${selfCommand(env)} stats --url ${nats.url}
                        curl -s ${http}/stats

`);
      status.update("waiting for the first stats message...");

      const fleet = new SimulatedFleet({ nodes, seed: randomSeed(), heartbeatIntervalMs: DEMO_HEARTBEAT_MS });
      await paceTraffic(
        fleet,
        (m) => fleetLink.publish(m.subject, m.payload),
        async () => void (await fleetLink.connection?.flush().catch(() => undefined)),
        { ratePerSecond: rate, signal: stopping.signal, progressEveryMs: 200, onProgress: (p) => void (sent = p.sent) },
      );

      status.end();
      process.stdout.write("stopping: fleet, aggregator, nats-server...\n");
      const deadline = setTimeout(onSignal, SHUTDOWN_DEADLINE_MS);
      await fleetLink.stop(1000);
      await service.stop();
      service = undefined;
      await nats.stop();
      clearTimeout(deadline);
      rmSync(dir, { recursive: true, force: true });
      const last = latest ? ` Last figures: ${latest.data.totalTasks} tasks, ${latest.data.totalInvoices} invoices, ${latest.data.totalNodes} nodes.` : "";
      process.stdout.write(`demo stopped: nats-server (pid ${nats.pid}) has exited and ${dir} is removed.${last}\n`);
      return EXIT.ok;
    } finally {
      for (const s of signals) process.off(s, onSignal);
      process.off("exit", lastResort);
      if (!forced) {
        // Reached only on a failed start: undo whatever did start.
        await service?.stop().catch(() => undefined);
        await nats?.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  },
};
