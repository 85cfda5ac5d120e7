// Durable JetStream ingestion: a stream over the inbound subjects and a durable pull consumer, acked only after commit.
import type { NatsConnection } from "@nats-io/nats-core";
import {
  AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType, jetstream, jetstreamManager,
  type ConsumerMessages, type JetStreamManager, type StreamConfig,
} from "@nats-io/jetstream";
import type { JetStreamSettings } from "../config/config.ts";
import type { Logger } from "../log/logger.ts";
import { INBOUND_SUBJECTS, STATS_SUBJECT } from "../protocol/subjects.ts";
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

export class JetStreamUnavailable extends Error {
  override name = "JetStreamUnavailable";
}

const SUBJECTS = Object.keys(INBOUND_SUBJECTS);

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function ensureStream(jsm: JetStreamManager, s: JetStreamSettings, log: Logger): Promise<void> {
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
    return;
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
}

/** Each instance has its own durable consumer, so each sees the whole stream and resumes its own position. */
export function consumerName(s: JetStreamSettings, instanceId: string): string {
  return `${s.consumer}-${instanceId}`;
}

async function ensureConsumer(jsm: JetStreamManager, s: JetStreamSettings, name: string): Promise<void> {
  try {
    await jsm.consumers.info(s.stream, name);
    return;
  } catch (err) {
    if (!/not found/i.test(reason(err))) throw err;
  }
  await jsm.consumers.add(s.stream, {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: ACK_WAIT_MS * NS_PER_MS,
    max_ack_pending: MAX_ACK_PENDING,
    // The consumer of an instance that is gone goes away after the stream's own age: by then every
    // message it still owed has left the stream anyway, so its position is worth nothing. An
    // instance that comes back later gets a new consumer and replays the stream, counted once.
    inactive_threshold: s.maxAgeHours * 3600 * 1000 * NS_PER_MS,
  });
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
  await ensureStream(jsm, s, log);
  const name = consumerName(s, instanceId);
  await ensureConsumer(jsm, s, name);

  const consumer = await jetstream(nc).consumers.get(s.stream, name);
  let lastAckedSeq = 0;
  let pending: number | undefined;
  const messages: ConsumerMessages = await consumer.consume({
    max_messages: PULL_BATCH,
    callback: (m) => {
      // JsMsg's implementation has `reply` (its own getters read it); the interface does not declare it.
      const delivery = parseAckSubject((m as unknown as { reply?: string }).reply ?? "");
      const seq = delivery?.seq ?? m.seq;
      // An operator's stream over "truebit.>" also holds our own stats: not an inbound message.
      if (m.subject === STATS_SUBJECT) {
        m.ack();
        return;
      }
      // Server time, so a backlog replayed after downtime lands where it happened.
      const at = delivery?.atMs ?? Number(m.timestampNanos / 1_000_000n);
      handle(m.subject, m.data, at, () => {
        m.ack();
        if (seq > lastAckedSeq) lastAckedSeq = seq;
      }, seq);
    },
  });

  return {
    mode: "jetstream",
    async status(): Promise<IngestStatus> {
      try {
        const info = await consumer.info();
        pending = info.num_pending + info.num_ack_pending;
      } catch {
        // keep the last known figure while the server is unreachable
      }
      return { mode: "jetstream", consumer: name, pending, lastAckedSeq };
    },
    async stop() {
      await messages.close().catch(() => undefined);
    },
  };
}
