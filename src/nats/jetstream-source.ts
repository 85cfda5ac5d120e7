// Durable JetStream ingestion: a stream over the inbound subjects and a durable pull consumer, acked only after commit.
import type { NatsConnection } from "@nats-io/nats-core";
import {
  AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType, jetstream, jetstreamManager,
  type ConsumerInfo, type ConsumerMessages, type JetStreamManager, type StreamConfig,
} from "@nats-io/jetstream";
import type { JetStreamSettings } from "../config/config.ts";
import type { Logger } from "../log/logger.ts";
import { INBOUND_SUBJECTS, STATS_SUBJECT } from "../protocol/subjects.ts";
import { AckFrontier } from "./ack-frontier.ts";
import { parseAckSubject } from "./ack-subject.ts";
import type { DeliveryHandler, IngestSource, IngestStatus } from "./ingest-source.ts";

const NS_PER_MS = 1_000_000;
/** The server's max_payload (PROTOCOL.md): the stream stores what monitors can send, so oversized messages are still seen and counted as invalid. */
const STREAM_MAX_MSG_BYTES = 1024 * 1024;
/** Deliveries we may hold unacked; the pipeline's backlog bound is larger, so nothing is dropped. */
export const MAX_ACK_PENDING = 100_000;
// After a crash, what the dead process held is redelivered once this expires: short enough for quick restarts.
const ACK_WAIT_MS = 10_000;
const PULL_BATCH = 2_000;
/** What JsMsg.ack() sends to a delivery's reply subject. */
const ACK = new TextEncoder().encode("+ACK");

export class JetStreamUnavailable extends Error {
  override name = "JetStreamUnavailable";
}

const SUBJECTS = Object.keys(INBOUND_SUBJECTS);

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Creates the stream when missing, checks an existing one, and answers whether the consumer may
 * ack whole batches: only on a stream with limits retention. On an interest or work-queue stream,
 * deleting a consumer (as replacing one does) deletes the messages it still owed, and a work queue
 * refuses ack policy "all"; there each message is acked by itself, as 0.1.0 did.
 */
async function ensureStream(jsm: JetStreamManager, s: JetStreamSettings, log: Logger): Promise<boolean> {
  let existing: StreamConfig | undefined;
  try {
    existing = (await jsm.streams.info(s.stream)).config;
  } catch (err) {
    if (!/not found/i.test(reason(err))) throw err;
  }
  if (!existing) {
    await jsm.streams.add({
      name: s.stream,
      subjects: SUBJECTS,
      storage: s.storage === "memory" ? StorageType.Memory : StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: s.maxAgeHours * 3600 * 1000 * NS_PER_MS,
      max_msg_size: STREAM_MAX_MSG_BYTES,
      num_replicas: s.replicas,
    });
    log.info("created JetStream stream", { stream: s.stream, storage: s.storage, maxAgeHours: s.maxAgeHours, replicas: s.replicas });
    return true;
  }
  // An existing stream is the operator's: use it as it is, say what differs, never reconfigure it.
  const missing = SUBJECTS.filter((subj) => !existing.subjects?.some((p) => p === subj || p === "truebit.>" || p === ">"));
  if (missing.length > 0) {
    throw new JetStreamUnavailable(`stream ${s.stream} exists but does not capture ${missing.join(", ")}`);
  }
  const wantStorage = s.storage === "memory" ? StorageType.Memory : StorageType.File;
  const wantAge = s.maxAgeHours * 3600 * 1000 * NS_PER_MS;
  if (existing.storage !== wantStorage || existing.max_age !== wantAge) {
    log.warn("JetStream stream exists with other settings; using it unchanged", {
      stream: s.stream, storage: existing.storage, maxAgeHours: existing.max_age / (3600 * 1000 * NS_PER_MS),
    });
  }
  if (existing.retention !== RetentionPolicy.Limits) {
    log.warn("JetStream stream does not have limits retention; acking each message by itself", { stream: s.stream, retention: existing.retention });
    return false;
  }
  return true;
}

/** Each instance has its own durable consumer, so each sees the whole stream and resumes its own position. */
export function consumerName(s: JetStreamSettings, instanceId: string): string {
  return `${s.consumer}-${instanceId}`;
}

function consumerConfig(s: JetStreamSettings, name: string, batchAcks: boolean, startSeq?: number) {
  return {
    durable_name: name,
    // One ack per committed batch covers the whole batch (see ack-frontier.ts): the server does
    // one ack's work instead of thousands, and so does the client.
    ack_policy: batchAcks ? AckPolicy.All : AckPolicy.Explicit,
    ...(startSeq === undefined ? { deliver_policy: DeliverPolicy.All } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startSeq }),
    ack_wait: ACK_WAIT_MS * NS_PER_MS,
    max_ack_pending: MAX_ACK_PENDING,
    // The consumer of an instance that is gone goes away after the stream's own age: by then every
    // message it still owed has left the stream anyway, so its position is worth nothing. An
    // instance that comes back later gets a new consumer and replays the stream, counted once.
    inactive_threshold: s.maxAgeHours * 3600 * 1000 * NS_PER_MS,
  };
}

/**
 * Makes sure the consumer exists and owes nothing to an earlier reader, and answers its info. With
 * ack policy "all" one ack covers every lower sequence, so messages delivered to a reader that is
 * gone (a process that was killed, or deliveries lost with a broken connection) and never acked
 * must not be acked over by ours: such a consumer is replaced by one that starts right after its
 * ack floor, so those messages come to us again, in order (repeats are recognised). A consumer of
 * an earlier version, which acked each message, is replaced the same way. `resume` remembers the
 * start of a replacement whose second step failed, so a retry does not start from the beginning;
 * only a process killed between the two steps leaves no consumer and a next start that replays the
 * stream, counted once.
 */
async function prepareConsumer(jsm: JetStreamManager, s: JetStreamSettings, name: string, batchAcks: boolean, resume: { at?: number }, log: Logger): Promise<ConsumerInfo> {
  let existing: ConsumerInfo | undefined;
  try {
    existing = await jsm.consumers.info(s.stream, name);
  } catch (err) {
    if (!/not found/i.test(reason(err))) throw err;
  }
  if (!existing) {
    const fresh = await jsm.consumers.add(s.stream, consumerConfig(s, name, batchAcks, resume.at));
    resume.at = undefined;
    return fresh;
  }
  // Each message acked by itself: nothing owed can be acked over, and the consumer is never deleted.
  if (!batchAcks) return existing;
  const already = existing.config.ack_policy === AckPolicy.All;
  if (already && existing.num_ack_pending === 0) return existing;
  resume.at = existing.ack_floor.stream_seq + 1;
  await jsm.consumers.delete(s.stream, name);
  const fresh = await jsm.consumers.add(s.stream, consumerConfig(s, name, true, resume.at));
  log.info(already ? "JetStream consumer restarted after its last acked message" : "JetStream consumer replaced to ack whole batches", {
    consumer: name, resumeAtSeq: resume.at, owed: existing.num_ack_pending,
  });
  resume.at = undefined;
  return fresh;
}

/** Waits this long before trying a failed resync again. */
const RESYNC_RETRY_MS = 1000;

/**
 * One run of `consume()` on one incarnation of the consumer, with the frontier of what it delivered.
 * The frontier holds each delivery's reply subject, which is all an ack needs, and never the JsMsg:
 * a JsMsg held until its batch commits outlives the young collections, and so does the socket read
 * its payload is a view of.
 */
interface Reading {
  messages: ConsumerMessages;
  frontier: AckFrontier<string>;
  /** The delivery sequence we expect next. */
  nextDseq: number;
  /** Replaced by a newer reading: its acks would name the new consumer's sequences, so it sends none. */
  retired: boolean;
}

/**
 * Sets up the stream and consumer and starts consuming. Throws JetStreamUnavailable (or the
 * server's error) when JetStream is off or the credentials may not use it.
 */
export async function consumeJetStream(nc: NatsConnection, s: JetStreamSettings, instanceId: string, handle: DeliveryHandler, log: Logger): Promise<IngestSource> {
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc, { timeout: 5000 });
  } catch (err) {
    throw new JetStreamUnavailable(`JetStream is not available on this server or account: ${reason(err)}`);
  }
  const batchAcks = await ensureStream(jsm, s, log);
  const name = consumerName(s, instanceId);
  const js = jetstream(nc);
  const resume: { at?: number } = {};
  let pending: number | undefined;
  let lastAckedSeq = 0;
  let stopped = false;
  let resyncing: Promise<void> | null = null;

  /** Acks the delivery whose reply subject is `reply`, on the connection it came in on, as JsMsg.ack() does. */
  const ack = (reply: string, seq: number) => {
    try {
      nc.publish(reply, ACK);
      if (seq > lastAckedSeq) lastAckedSeq = seq;
    } catch {
      // the connection closed: the server redelivers, and repeats are recognised
    }
  };
  const ackNow = (r: Reading) => {
    const reply = r.frontier.take();
    if (reply !== null && !r.retired) ack(reply, r.frontier.acked);
  };

  const read = async (): Promise<Reading> => {
    const info = await prepareConsumer(jsm, s, name, batchAcks, resume, log);
    const consumer = await js.consumers.get(s.stream, name);
    let ackScheduled = false;
    const r: Reading = { messages: undefined as unknown as ConsumerMessages, frontier: new AckFrontier<string>(), nextDseq: info.delivered.consumer_seq + 1, retired: false };
    // Everything the pipeline finishes in one go (a committed batch) is covered by one ack, sent
    // once it is done; at once when nothing delivered is left open (a caught-up pipeline, shutdown).
    const finished = (seq: number, reply: string) => {
      if (!batchAcks) {
        ack(reply, seq);
        return;
      }
      r.frontier.finish(seq, reply);
      if (r.frontier.openCount === 0) ackNow(r);
      else if (!ackScheduled) {
        ackScheduled = true;
        queueMicrotask(() => {
          ackScheduled = false;
          ackNow(r);
        });
      }
    };
    // Made outside the callback, so that the closure holds a sequence and a string, never the delivery.
    const whenDone = (seq: number, reply: string) => () => finished(seq, reply);
    r.messages = await consumer.consume({
      max_messages: PULL_BATCH,
      callback: (m) => {
        if (r.retired) return; // delivered again by the reading that replaced this one
        // JsMsg's implementation has `reply` (its own getters read it); the interface does not declare it.
        const reply = (m as unknown as { reply?: string }).reply ?? "";
        const delivery = parseAckSubject(reply);
        const seq = delivery?.seq ?? m.seq;
        const dseq = delivery?.dseq ?? m.info.deliverySequence;
        if (batchAcks) {
          if (dseq !== r.nextDseq) {
            // Deliveries went missing (a broken connection), or the server's record of them went
            // back (a broker that lost its consumer state): what it counts as ours and unacked is not
            // what we hold, and our next ack could cover a message we never saw. Start over after
            // the last ack.
            resync(r, r.nextDseq, dseq);
            return;
          }
          r.nextDseq = dseq + 1;
          // A redelivery of a message whose effect is already stored (its ack was waiting behind a
          // lower one): not handed over again, or an invalid one would be counted twice.
          const stored = r.frontier.isFinished(seq);
          r.frontier.delivered(seq);
          if (stored) {
            finished(seq, reply);
            return;
          }
        }
        // An operator's stream over "truebit.>" also holds our own stats: not an inbound message.
        if (m.subject === STATS_SUBJECT) {
          finished(seq, reply);
          return;
        }
        // Server time, so a backlog replayed after downtime lands where it happened.
        const at = delivery?.atMs ?? Number(m.timestampNanos / 1_000_000n);
        handle(m.subject, m.data, at, whenDone(seq, reply), seq);
      },
    });
    return r;
  };

  let reading = await read();

  function resync(r: Reading, expected: number, got: number): void {
    if (r.retired || resyncing || stopped) return;
    r.retired = true;
    log.warn("JetStream deliveries out of step; reading again from the last acked message", { consumer: name, expectedDelivery: expected, gotDelivery: got });
    resyncing = (async () => {
      await r.messages.close().catch(() => undefined);
      while (!stopped && !nc.isClosed()) {
        try {
          const next = await read();
          // Stopped meanwhile: the new reading must not take messages nobody will commit.
          if (stopped) await next.messages.close().catch(() => undefined);
          else reading = next;
          return;
        } catch (err) {
          log.warn("cannot restart the JetStream consumer; retrying", { consumer: name, error: reason(err) });
          await new Promise((res) => setTimeout(res, RESYNC_RETRY_MS));
        }
      }
    })().finally(() => {
      resyncing = null;
    });
  }

  return {
    mode: "jetstream",
    async status(): Promise<IngestStatus> {
      try {
        const info = await jsm.consumers.info(s.stream, name);
        pending = info.num_pending + info.num_ack_pending;
      } catch {
        // keep the last known figure while the server is unreachable
      }
      return { mode: "jetstream", consumer: name, pending, lastAckedSeq };
    },
    async stop() {
      stopped = true;
      await resyncing;
      await reading.messages.close().catch(() => undefined);
    },
  };
}
