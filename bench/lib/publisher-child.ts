// Child process: pre-builds the benchmark traffic, then on each GO publishes all of it as fast as it can.
// Usage: bun bench/lib/publisher-child.ts <nats-url> <messages>
import { connect } from "@nats-io/transport-node";
import { readCommands, reply } from "./child.ts";
import { SUBJECTS, buildTraffic } from "./traffic.ts";

const [url, count] = process.argv.slice(2);
const t0 = performance.now();
const traffic = buildTraffic(Number(count));
const buildMs = performance.now() - t0;
Bun.gc(true);

const nc = await connect({ servers: url!, name: "bench-publisher", maxReconnectAttempts: -1 });
// Yield to the event loop every so often so the socket drains while we publish, instead of queueing
// the whole run in this process's memory first.
const YIELD_EVERY = 2000;
const tick = () => new Promise<void>((r) => setImmediate(r));

reply("READY", { messages: traffic.payloads.length, bytes: traffic.bytes, buildMs, expected: traffic.expected });

readCommands(async (line) => {
  if (line === "GO") {
    const { subjectIdx, payloads } = traffic;
    const n = payloads.length;
    const firstAt = Date.now();
    for (let i = 0; i < n; i++) {
      nc.publish(SUBJECTS[subjectIdx[i]!]!, payloads[i]!);
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await tick();
    }
    const loopDoneAt = Date.now();
    await nc.flush();
    const flushedAt = Date.now();
    reply("DONE", { published: n, firstAt, loopDoneAt, flushedAt, bytes: traffic.bytes });
  } else if (line === "EXIT") {
    await nc.close();
    process.exit(0);
  }
});
