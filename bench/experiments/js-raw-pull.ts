// Experiment (not part of `bun run bench`): how much of JetStream mode's CPU per message is the client's consume() loop?
// The same ack-all durable consumer read through consume() and through pulls made by hand on a core subscription
// (what the service would do without the JetStream client's message objects), each parsing the ack subject and
// the JSON and acking every 5,000th message, rounds alternated in one process over one prefilled stream.
// Usage: bun bench/experiments/js-raw-pull.ts [messages=300000] [rounds=2]
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { createInbox } from "@nats-io/nats-core";
import { parseAckSubject } from "../../src/nats/ack-subject.ts";
import { buildTraffic, SUBJECTS } from "../lib/traffic.ts";
import { startBenchNats } from "../lib/nats.ts";
import { waitFor } from "../../test/helpers/wait.ts";

const N = Number(process.argv[2] ?? 300_000);
const ROUNDS = Number(process.argv[3] ?? 2);
const nats = await startBenchNats({ jetstream: true });
const nc = await connect({ servers: nats.url });
const jsm = await jetstreamManager(nc);
await jsm.streams.add({ name: "S", subjects: ["truebit.>"], storage: StorageType.File });
const traffic = buildTraffic(N);
for (let i = 0; i < traffic.payloads.length; i++) {
  nc.publish(SUBJECTS[traffic.subjectIdx[i]!]!, traffic.payloads[i]!);
  if (i % 5000 === 0) await nc.flush();
}
await nc.flush();
const total = traffic.payloads.length;
await waitFor("the stream to hold every message", async () => (await jsm.streams.info("S")).state.messages >= total, 120_000, 50);
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The same ack-all consumer for both ways of reading. */
const addConsumer = (name: string) =>
  jsm.consumers.add("S", { durable_name: name, ack_policy: AckPolicy.All, deliver_policy: DeliverPolicy.All, max_ack_pending: 100_000 });

/** A run's tally, and the work both ways do per delivery, so that they differ only in how deliveries arrive. */
function reader() {
  const run = { n: 0, parsed: 0, done: Promise.withResolvers<void>() };
  /** Answers whether this delivery is the one to ack (every 5,000th, and the last), as the service acks per batch. */
  const take = (reply: string, subject: string, data: Uint8Array): boolean => {
    const d = parseAckSubject(reply);
    if (d && subject.length > 0 && JSON.parse(utf8.decode(data))) run.parsed++;
    if (++run.n === total) run.done.resolve();
    return run.n % 5000 === 0 || run.n === total;
  };
  return { run, take };
}

async function viaLib(name: string): Promise<number> {
  await addConsumer(name);
  const c = await jetstream(nc).consumers.get("S", name);
  const { run, take } = reader();
  const msgs = await c.consume({
    max_messages: 2000,
    callback: (m) => {
      if (take((m as unknown as { reply: string }).reply, m.subject, m.data)) m.ack();
    },
  });
  await run.done.promise;
  await nc.flush();
  await msgs.close();
  return run.parsed;
}

async function viaCore(name: string): Promise<number> {
  await addConsumer(name);
  const inbox = createInbox();
  const { run, take } = reader();
  let owed = 0;
  const pull = () => {
    nc.publish(`$JS.API.CONSUMER.MSG.NEXT.S.${name}`, JSON.stringify({ batch: 2000, expires: 30_000_000_000 }), { reply: inbox });
    owed += 2000;
  };
  const sub = nc.subscribe(inbox, {
    callback: (_err, m) => {
      const reply = m.reply;
      if (!reply) return; // a status message (408 at a pull's expiry), not a delivery
      // Half the pull used up: ask for the next, as consume() does.
      if (--owed <= 1000) pull();
      if (take(reply, m.subject, m.data)) nc.publish(reply);
    },
  });
  pull();
  await run.done.promise;
  await nc.flush();
  sub.unsubscribe();
  return run.parsed;
}

for (let r = 0; r < ROUNDS; r++) {
  for (const [label, run] of [["lib", viaLib], ["core", viaCore]] as const) {
    Bun.gc(true);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const parsed = await run(`${label}${r}`);
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (parsed !== total) throw new Error(`${label} round ${r}: parsed ${parsed} of ${total} deliveries`);
    const us = (cpu.user + cpu.system) / total;
    console.log(`${label} round ${r}: ${Math.round(total / (wall / 1000))} msgs/s, ${us.toFixed(2)} µs CPU per message (process)`);
  }
}
await nc.close();
await nats.dispose();
