// Child process: pre-builds the benchmark traffic, then on each GO publishes all of it as fast as the server takes it.
// Usage: bun bench/lib/publisher-child.ts <nats-url> <messages>
import { connect } from "@nats-io/transport-node";
import { readCommands, reply } from "./child.ts";
import { SUBJECTS, buildTraffic } from "./traffic.ts";

const [url, count] = process.argv.slice(2);
// The publisher stands in for monitors on other machines, so it must not take CPU from the subscriber
// under test. Unpaced, nats.js keeps writing into a socket the server has stopped reading (it holds a
// producer back while a subscriber lags), and the publisher burned 3.7-5.2 s of CPU per 1M messages
// against the service instead of 0.9-1.0 s (BENCHMARKS.md, 2026-12-06, afternoon). So it keeps at most two
// windows in flight: a flush (PING/PONG) closes each window, and the next window waits for the one
// before to come back, which never lets the pipe run dry. BENCH_PUBLISH_WINDOW=0 restores the earlier
// publisher (a yield every 2,000 messages, no pacing) for comparisons with older figures.
const WINDOW = Number(process.env.BENCH_PUBLISH_WINDOW ?? 10_000);
const YIELD_EVERY = 2000;
const tick = () => new Promise<void>((r) => setImmediate(r));
if (!Number.isSafeInteger(WINDOW) || WINDOW < 0) throw new Error(`BENCH_PUBLISH_WINDOW must be a whole number of messages, 0 or more (got ${process.env.BENCH_PUBLISH_WINDOW})`);
const t0 = performance.now();
const traffic = buildTraffic(Number(count));
const buildMs = performance.now() - t0;
Bun.gc(true);

const nc = await connect({ servers: url!, name: "bench-publisher", maxReconnectAttempts: -1 });
reply("READY", { messages: traffic.payloads.length, bytes: traffic.bytes, buildMs, expected: traffic.expected, window: WINDOW });

readCommands(async (line) => {
  if (line === "GO") {
    const { subjectIdx, payloads } = traffic;
    const n = payloads.length;
    const firstAt = Date.now();
    let windowBefore: Promise<void> | null = null;
    for (let i = 0; i < n; i++) {
      nc.publish(SUBJECTS[subjectIdx[i]!]!, payloads[i]!);
      if (WINDOW > 0 && i % WINDOW === WINDOW - 1) {
        const closed = nc.flush();
        await windowBefore;
        windowBefore = closed;
      } else if (WINDOW === 0 && i % YIELD_EVERY === YIELD_EVERY - 1) await tick();
    }
    const loopDoneAt = Date.now();
    await windowBefore;
    await nc.flush();
    const flushedAt = Date.now();
    reply("DONE", { published: n, firstAt, loopDoneAt, flushedAt, bytes: traffic.bytes });
  } else if (line === "EXIT") {
    await nc.close();
    process.exit(0);
  }
});
