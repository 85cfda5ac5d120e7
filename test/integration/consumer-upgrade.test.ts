// The service's durable consumer: one left by 0.1.0 is replaced by a batch-acking one that resumes after its ack floor; on an interest stream, where deleting a consumer deletes messages, each message is acked by itself and the consumer is kept.
import { describe, expect, test } from "bun:test";
import { AckPolicy, RetentionPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { join } from "node:path";
import { INBOUND_SUBJECTS } from "../../src/protocol/subjects.ts";
import { AggregatorProcess, tempDir } from "../helpers/aggregator-process.ts";
import { useFederation } from "../helpers/federation-client.ts";
import { figuresOf, groundTruth, publishAcked, taskTraffic } from "../helpers/ground-truth-traffic.ts";
import { waitFor } from "../helpers/wait.ts";

describe("a consumer left by 0.1.0", () => {
  const fed = useFederation({ jetstream: true });

  test("an explicit-ack consumer with acked and owed messages: replaced, resumed after the ack floor, figures exact", async () => {
    const { nats, client } = fed;
    const jsm = await jetstreamManager(client.nc);
    await jsm.streams.add({ name: "TRUEBIT_EVENTS", subjects: Object.keys(INBOUND_SUBJECTS) });
    await jsm.consumers.add("TRUEBIT_EVENTS", { durable_name: "aggregator-old1", ack_policy: AckPolicy.Explicit });
    const old = await jetstream(client.nc).consumers.get("TRUEBIT_EVENTS", "aggregator-old1");
    const take = async (n: number, ack: boolean) => {
      let got = 0;
      while (got < n) {
        for await (const m of await old.fetch({ max_messages: n - got, expires: 2000 })) {
          if (ack) await m.ackAck();
          got++;
        }
      }
    };
    // What the earlier version had stored (and acked), then what it held when it stopped (owed).
    const stored = taskTraffic(0, 300, 50, "a");
    await publishAcked(client.nc, stored);
    await take(stored.length, true);
    const rest = taskTraffic(0, 1000, 50, "b");
    await publishAcked(client.nc, rest);
    await take(400, false);

    const svc = await AggregatorProcess.start({
      env: { NATS_URL: nats.url, DB_PATH: join(tempDir(), "agg.db"), PUBLISH_INTERVAL: "200", INGEST_MODE: "jetstream", INSTANCE_ID: "old1" },
    });
    try {
      await svc.waitReady();
      // Only what the old consumer had not acked: the 1,000 tasks of the second part, each once.
      const stats = await client.nextStats((m) => m.data.totalTasks >= 1000, 30_000);
      expect(figuresOf(stats.data)).toEqual(groundTruth(1000));
      expect(svc.stdout).toContain("JetStream consumer replaced to ack whole batches");
      expect(svc.stdout).toContain(`resumeAtSeq=${stored.length + 1}`);
      const info = await waitFor("the new consumer to have acked everything", async () => {
        const i = await jsm.consumers.info("TRUEBIT_EVENTS", "aggregator-old1");
        return i.num_pending === 0 && i.num_ack_pending === 0 ? i : null;
      }, 15_000);
      expect(info.config.ack_policy).toBe(AckPolicy.All);
      expect((await svc.http("/api/status")).body.ingest.received).toBe(rest.length);
    } finally {
      expect(await svc.stop()).toBe(0);
    }
  }, 90_000);
});

describe("an operator's stream with interest retention", () => {
  const fed = useFederation({ jetstream: true });

  test("each message acked by itself, the consumer never replaced, nothing lost across a kill -9", async () => {
    const { nats, client } = fed;
    const env = { NATS_URL: nats.url, DB_PATH: join(tempDir(), "agg.db"), PUBLISH_INTERVAL: "200", INGEST_MODE: "jetstream", INSTANCE_ID: "int1" };
    const jsm = await jetstreamManager(client.nc);
    await jsm.streams.add({ name: "TRUEBIT_EVENTS", subjects: Object.keys(INBOUND_SUBJECTS), retention: RetentionPolicy.Interest });
    const first = await AggregatorProcess.start({ env });
    await first.waitReady();
    const traffic = taskTraffic(0, 20_000);
    // Killed while messages flow, so the consumer owes acks when the next process starts.
    const publishing = publishAcked(client.nc, traffic);
    await waitFor("the aggregator to be part-way through", async () => (await first.http("/api/status")).body.ingest.received >= 10_000, 60_000);
    expect(await first.stop("SIGKILL")).toBeNull();
    await publishing;
    const second = await AggregatorProcess.start({ env });
    try {
      // What the killed process held unacked comes back only after the ack wait (10 s), and may be a
      // completion of a task already counted: wait for the whole truth, not just the totals.
      const expected = groundTruth(20_000);
      await client.nextStats((m) => Bun.deepEquals(figuresOf(m.data), expected), 60_000).catch((err: Error) => {
        throw new Error(`${err.message}; last published figures ${JSON.stringify(figuresOf(client.stats.at(-1)!.data))}, expected ${JSON.stringify(expected)}`);
      });
      // One publish later still equal: the redelivered messages were recognised as repeats.
      expect(figuresOf((await client.nextStats()).data)).toEqual(expected);
      const info = await jsm.consumers.info("TRUEBIT_EVENTS", "aggregator-int1");
      expect(info.config.ack_policy).toBe(AckPolicy.Explicit);
      for (const out of [first.stdout, second.stdout]) {
        expect(out).toContain("acking each message by itself");
        expect(out).not.toContain("JetStream consumer re");
      }
    } finally {
      expect(await second.stop()).toBe(0);
    }
  }, 90_000);
});
