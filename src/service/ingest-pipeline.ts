// Validates messages as they arrive and commits them to storage in batches, then to the in-memory state.
import type { Admission } from "../core/admission.ts";
import { BatchBuilder } from "../core/batch.ts";
import type { IngestMetrics } from "../core/ingest-metrics.ts";
import type { NetworkState } from "../core/network-state.ts";
import type { Logger } from "../log/logger.ts";
import type { Ack } from "../nats/ingest-source.ts";
import { decodeMessage } from "../protocol/decode.ts";
import type { InboundEvent } from "../protocol/events.ts";
import type { AggregatorStore } from "../storage/aggregator-store.ts";

export interface PipelineOptions {
  /** Commit as soon as this many valid messages wait. */
  maxBatch: number;
  /** ...or this long after the first of them arrived. */
  maxDelayMs: number;
  /** While storage fails, keep at most this many messages waiting; count the rest as dropped. */
  maxBacklog: number;
}

// Under load batches grow towards maxBatch by themselves (messages wait while a commit runs).
// With rows appended in arrival order a commit dirties few pages, so 5,000 is past the point of
// diminishing returns (the fsync is a few ms) and keeps what is held in memory small.
export const DEFAULT_PIPELINE_OPTIONS: PipelineOptions = { maxBatch: 5_000, maxDelayMs: 50, maxBacklog: 500_000 };

const KNOWN_VERSIONS = new Set(["1.0"]);

/**
 * Acks go out on the connection the message came in on; if that connection has closed
 * since, the ack fails and the server redelivers (a repeat, recognised as such). Never throws.
 */
function safeAck(ack: Ack | undefined): void {
  try {
    ack?.();
  } catch {
    // redelivered later and deduplicated
  }
}
const RETRY_MS = 1000;
/** A disk at its limit can fail and succeed in turn; one error line a minute is enough to act on. */
const ERROR_LOG_EVERY_MS = 60_000;

/** A valid, admitted message waiting for its batch's commit; `ack` runs once that commit is done. */
interface Held {
  event: InboundEvent;
  ack?: Ack;
  seq?: number;
}

export interface StorageHealth {
  writable: boolean;
  lastError: string | null;
}

export class IngestPipeline {
  readonly storage: StorageHealth = { writable: true, lastError: null };
  private queue: Held[] = [];
  /** Held JetStream messages by stream sequence: a redelivered copy only takes over the ack. */
  private readonly heldBySeq = new Map<number, Held>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private lastErrorLoggedAt = Number.NEGATIVE_INFINITY;
  /** JetStream redeliveries of messages already held (storage was failing for longer than the ack wait). */
  redelivered = 0;
  /** Messages not taken because storage stayed unavailable and the backlog was full (JetStream redelivers them). */
  dropped = 0;
  /** Told how long each successful batch commit took (the metrics module listens). */
  onCommit?: (ms: number, messages: number) => void;
  /** Told when a flush has committed and acked everything it took (`messages` of them), so nothing of those batches is referenced. */
  onFlushed?: (messages: number) => void;

  constructor(
    private readonly store: AggregatorStore,
    private readonly state: NetworkState,
    private readonly metrics: IngestMetrics,
    private readonly log: Logger,
    private readonly admission: Admission,
    private readonly opts: PipelineOptions = DEFAULT_PIPELINE_OPTIONS,
  ) {}

  /**
   * Entry point for every raw message; never throws. `ack` runs once the message's effect is
   * committed. `seq` (JetStream's stream sequence) identifies redeliveries of a message still held.
   */
  accept(subject: string, payload: Uint8Array, at: number, ack?: Ack, seq?: number): void {
    // Not acked: a JetStream message arriving during shutdown is redelivered to the next run.
    if (this.closed) return;
    if (seq !== undefined) {
      const held = this.heldBySeq.get(seq);
      if (held) {
        // Redelivered while we still hold it (storage is failing): not a new message; the
        // newest delivery's ack is the one the server will honour.
        held.ack = ack;
        this.redelivered++;
        return;
      }
    }
    this.metrics.received();
    const started = performance.now();
    const result = decodeMessage(subject, payload, at);
    this.metrics.validationTook(performance.now() - started);
    if (!result.ok) {
      this.metrics.invalid(result.reason);
      safeAck(ack); // it will never become valid: redelivery would only count it again
      return;
    }
    if (!KNOWN_VERSIONS.has(result.event.version)) this.metrics.unknownVersion();
    // Before admission: a message not taken must not use up its sender's allowance, or its
    // redelivery could be refused (and acked) instead of stored.
    if (this.queue.length >= this.opts.maxBacklog) {
      this.dropped++; // not acked: JetStream redelivers it
      return;
    }
    const refusal = this.admission.check(result.event);
    if (refusal) {
      this.metrics.rejected(refusal);
      safeAck(ack); // refused on purpose, as in core mode
      return;
    }
    const held: Held = { event: result.event, ack, seq };
    this.queue.push(held);
    if (seq !== undefined) this.heldBySeq.set(seq, held);
    if (this.queue.length >= this.opts.maxBatch && this.storage.writable) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.storage.writable ? this.opts.maxDelayMs : RETRY_MS);
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Commits everything waiting; answers false if storage refused (the messages stay queued for a retry). */
  flush(): boolean {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    let committed = 0;
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, this.opts.maxBatch);
      let effect;
      const started = performance.now();
      try {
        effect = this.store.commitBatch((lookup) => {
          const builder = new BatchBuilder(lookup, this.state.nodes);
          for (const h of batch) builder.add(h.event);
          return builder.effect();
        });
      } catch (err) {
        this.storageFailed(err);
        if (!this.closed) this.timer = setTimeout(() => this.flush(), RETRY_MS);
        return false;
      }
      this.onCommit?.(performance.now() - started, batch.length);
      committed += batch.length;
      // Committed: the batch leaves the queue before any ack, so a failing ack cannot replay it.
      this.queue = this.queue.length === batch.length ? [] : this.queue.slice(batch.length);
      this.state.apply(effect);
      this.admission.stored();
      this.metrics.committed(effect.accepted, effect.duplicates);
      for (const h of batch) {
        if (h.seq !== undefined) this.heldBySeq.delete(h.seq);
        safeAck(h.ack);
      }
      this.storageRecovered();
    }
    this.onFlushed?.(committed);
    return true;
  }

  storageFailed(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    const now = Date.now();
    if (now - this.lastErrorLoggedAt >= ERROR_LOG_EVERY_MS) {
      this.lastErrorLoggedAt = now;
      this.log.error("cannot write to the database; holding messages and retrying", { path: this.store.path, error: message, waiting: this.queue.length });
    }
    this.storage.writable = false;
    this.storage.lastError = message;
  }

  storageRecovered(): void {
    if (this.storage.writable) return;
    this.storage.writable = true;
    this.storage.lastError = null;
    this.log.info("database writable again", { path: this.store.path });
  }

  /** Stops taking messages and commits what was taken; answers whether everything was stored. */
  close(): boolean {
    const ok = this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    return ok;
  }
}
