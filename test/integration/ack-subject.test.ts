// The one-pass reading of JetStream ack subjects agrees with the client's own getters on real deliveries, and refuses the rest.
import { expect, test } from "bun:test";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { parseAckSubject } from "../../src/nats/ack-subject.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";

test("on real deliveries, seq, dseq and the millisecond timestamp equal the client's m.seq, m.info.deliverySequence and m.timestampNanos", async () => {
  const nats = await TestNatsServer.start({ jetstream: true });
  const nc = await connect({ servers: nats.url });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "S", subjects: ["s.>"] });
    await jsm.consumers.add("S", { durable_name: "c", ack_policy: AckPolicy.Explicit });
    const js = jetstream(nc);
    for (let i = 0; i < 5; i++) await js.publish(`s.${i}`, "x");
    const consumer = await js.consumers.get("S", "c");
    const seen: [unknown, unknown][] = [];
    for await (const m of await consumer.fetch({ max_messages: 5 })) {
      seen.push([parseAckSubject((m as unknown as { reply: string }).reply), { seq: m.seq, dseq: m.info.deliverySequence, atMs: Number(m.timestampNanos / 1_000_000n) }]);
      m.ack();
      if (seen.length === 5) break;
    }
    expect(seen).toHaveLength(5);
    for (const [fast, client] of seen) expect(fast).toEqual(client);
  } finally {
    await nc.close();
    await nats.dispose();
  }
});

test("both subject formats; anything else is left to the client", () => {
  expect(parseAckSubject("$JS.ACK.TRUEBIT_EVENTS.aggregator.1.123456.120.1764627123456789012.99")).toEqual({ seq: 123456, dseq: 120, atMs: 1764627123456 });
  expect(parseAckSubject("$JS.ACK.hub.ACCHASH.TRUEBIT_EVENTS.aggregator.3.987654321.4321.1764627123456789012.0.AbCd")).toEqual({ seq: 987654321, dseq: 4321, atMs: 1764627123456 });
  expect(parseAckSubject("$JS.ACK._.ACCHASH.S.c.1.42.42.1764627000000000000.7")).toEqual({ seq: 42, dseq: 42, atMs: 1764627000000 });
  for (const s of ["", "_INBOX.abc", "$JS.ACK.a.b", "$JS.ACK.s.c.1.x.1.17.0", "$JS.ACK.s.c.1.5.1.notanumber.0"]) expect(parseAckSubject(s)).toBeUndefined();
});
