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
while ((await jsm.streams.info("S")).state.messages < traffic.payloads.length) await Bun.sleep(50);
const total = traffic.payloads.length;
const utf8 = new TextDecoder("utf-8", { fatal: true });

async function viaLib(name: string): Promise<void> {
  await jsm.consumers.add("S", { durable_name: name, ack_policy: AckPolicy.All, deliver_policy: DeliverPolicy.All, max_ack_pending: 100_000 });
  const c = await jetstream(nc).consumers.get("S", name);
  let n = 0;
  let sink = 0;
  const done = Promise.withResolvers<void>();
  const msgs = await c.consume({
    max_messages: 2000,
    callback: (m) => {
      const d = parseAckSubject((m as unknown as { reply: string }).reply)!;
      sink += JSON.parse(utf8.decode(m.data)) ? d.seq : 0;
      sink += m.subject.length;
      if (++n % 5000 === 0 || n === total) m.ack();
      if (n === total) done.resolve();
    },
  });
  await done.promise;
  await nc.flush();
  await msgs.close();
}

async function viaCore(name: string): Promise<void> {
  await jsm.consumers.add("S", { durable_name: name, ack_policy: AckPolicy.All, deliver_policy: DeliverPolicy.All, max_ack_pending: 100_000 });
  const inbox = createInbox();
  let n = 0;
  let owed = 0;
  let sink = 0;
  const done = Promise.withResolvers<void>();
  const pull = () => {
    nc.publish(`$JS.API.CONSUMER.MSG.NEXT.S.${name}`, JSON.stringify({ batch: 2000, expires: 30_000_000_000 }), { reply: inbox });
    owed += 2000;
  };
  const sub = nc.subscribe(inbox, {
    callback: (_err, m) => {
      const reply = m.reply;
      if (!reply) return; // status message
      const d = parseAckSubject(reply)!;
      sink += JSON.parse(utf8.decode(m.data)) ? d.seq : 0;
      sink += m.subject.length;
      owed--;
      if (owed <= 1000) pull();
      if (++n % 5000 === 0 || n === total) nc.publish(reply);
      if (n === total) done.resolve();
    },
  });
  pull();
  await done.promise;
  await nc.flush();
  sub.unsubscribe();
}

for (let r = 0; r < ROUNDS; r++) {
  for (const [label, run] of [["lib", viaLib], ["core", viaCore]] as const) {
    Bun.gc(true);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run(`${label}${r}`);
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const us = (cpu.user + cpu.system) / total;
    console.log(`${label} round ${r}: ${Math.round(total / (wall / 1000))} msgs/s, ${us.toFixed(2)} µs CPU per message (process)`);
  }
}
await nc.close();
await nats.dispose();
