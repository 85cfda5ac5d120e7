// Child process: a bare durable JetStream pull consumer, the baseline of the JetStream benchmark. It only
// decodes, JSON-parses and counts each message, and acks it (explicit) or not (ack policy none).
// Usage: bun bench/lib/js-consumer-child.ts <nats-url> <stream> <consumer> <explicit|none> <expected>
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { reply } from "./child.ts";

const [url, stream, name, ack, expectedText] = process.argv.slice(2);
const expected = Number(expectedText);
const explicit = ack === "explicit";
const nc = await connect({ servers: url!, name: `bench-js-${ack}`, maxReconnectAttempts: -1 });
const jsm = await jetstreamManager(nc);
// The service's own consumer settings (src/nats/jetstream-source.ts): ack wait 10 s, 100k pending, pulls of 2,000.
await jsm.consumers.add(stream!, {
  durable_name: name!,
  ack_policy: explicit ? AckPolicy.Explicit : AckPolicy.None,
  deliver_policy: DeliverPolicy.All,
  ack_wait: 10_000 * 1_000_000,
  max_ack_pending: explicit ? 100_000 : -1,
});
const consumer = await jetstream(nc).consumers.get(stream!, name!);
const utf8 = new TextDecoder("utf-8", { fatal: true });
let received = 0;
let parsed = 0;
let firstAt = 0;
let lastAt = 0;
const done = Promise.withResolvers<void>();
const messages = await consumer.consume({
  max_messages: 2_000,
  callback: (m) => {
    if (received === 0) firstAt = Date.now();
    received++;
    const o = JSON.parse(utf8.decode(m.data));
    if (typeof o === "object" && o !== null) parsed++;
    if (explicit) m.ack();
    if (received >= expected) {
      lastAt = Date.now();
      done.resolve();
    }
  },
});
reply("READY", {});
await done.promise;
// Every ack has reached the server before the clock stops.
await nc.flush();
const flushedAt = Date.now();
const info = await consumer.info();
await messages.close();
reply("DONE", { received, parsed, firstAt, lastAt, flushedAt, ackPending: info.num_ack_pending, pending: info.num_pending });
await nc.close();
process.exit(0);
