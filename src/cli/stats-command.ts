// `aggregator stats`: waits for the next truebit.stats.aggregated message and prints it readably (or as JSON).
import { redactUrl } from "../config/config.ts";
import { networkStatsMessageSchema } from "../protocol/stats-message.ts";
import { STATS_SUBJECT } from "../protocol/subjects.ts";
import { connectCli, natsSettingsFor } from "./cli-connection.ts";
import { CommandFailure } from "./cli-errors.ts";
import type { Command } from "./command.ts";
import { EXIT } from "./exit-codes.ts";
import { formatDuration } from "./options.ts";
import { readableStats } from "./stats-format.ts";

const NAME = "stats";

export const statsCommand: Command = {
  name: NAME,
  summary: "wait for the next published stats message and print it",
  usage: "stats [--url URL] [--json] [--timeout D]",
  description: `Subscribes to ${STATS_SUBJECT}, waits for the next message (the aggregator publishes
one every PUBLISH_INTERVAL), checks it against the wire contract and prints it. It reads
what every monitor's Network page reads, so it is the end-to-end check of a deployment.
Authentication comes from NATS_USER/NATS_PASSWORD, NATS_TOKEN or NATS_CREDS, as for the service.`,
  options: [
    { name: "url", kind: "text", value: "URL", description: "NATS server to listen on; default NATS_URL, else the public federation" },
    { name: "json", kind: "flag", description: "print the message exactly as published, one JSON line" },
    { name: "timeout", kind: "duration", value: "D", description: "give up when no message came within D", default: "65s" },
  ],
  examples: [
    "aggregator stats --url nats://127.0.0.1:4222",
    "aggregator stats --url nats://127.0.0.1:4222 --json | jq .data.totalTasks",
  ],
  async run(options, env) {
    const settings = natsSettingsFor(NAME, options.text("url"), env);
    const timeoutMs = options.number("timeout");
    const source = settings.servers.map(redactUrl).join(",");
    const started = Date.now();

    let deliver: (payload: string) => void = () => {};
    const arrived = new Promise<string>((resolve) => (deliver = resolve));
    const keeper = await connectCli(NAME, settings, {
      timeoutMs,
      warn: (line) => process.stderr.write(`${line}\n`),
      onConnected: (nc) => void nc.subscribe(STATS_SUBJECT, { max: 1, callback: (_err, msg) => deliver(msg.string()) }),
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const remaining = Math.max(0, timeoutMs - (Date.now() - started));
    const timedOut = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), remaining)));
    const payload = await Promise.race([arrived, timedOut]);
    clearTimeout(timer);
    await keeper.stop(1000);

    if (payload === null) {
      throw new CommandFailure(NAME, `no message on ${STATS_SUBJECT} from ${source} within ${formatDuration(timeoutMs)}; is an aggregator running and connected there?`);
    }
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      throw new CommandFailure(NAME, `the message on ${STATS_SUBJECT} is not JSON: ${payload.slice(0, 80)}`);
    }
    const parsed = networkStatsMessageSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CommandFailure(NAME, `the message on ${STATS_SUBJECT} does not follow the contract: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
    }
    process.stdout.write(options.flag("json") ? `${payload}\n` : readableStats(parsed.data, source));
    return EXIT.ok;
  },
};
