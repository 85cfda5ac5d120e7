// Decides how far one cumulative JetStream ack (ack policy "all") may reach: up to the highest sequence below every delivery still unfinished.

/**
 * With ack policy "all", acking sequence S acks every sequence up to S. That is safe only once every
 * delivery at or below S is finished (committed, or refused for good). Deliveries mostly arrive in
 * sequence order and finish in the same order, but a redelivery, or a message the pipeline could not
 * take yet, breaks that order; this keeps the cumulative ack behind any such message.
 *
 * `T` is whatever the caller acks with (a delivery's reply subject): the frontier hands back the one
 * of the highest sequence it may ack. Pure bookkeeping: no I/O, no timers.
 */
export class AckFrontier<T> {
  /** Unfinished sequences, ascending, from `head` on (a sorted queue that is compacted now and then). */
  private open: number[] = [];
  private head = 0;
  private readonly openSet = new Set<number>();
  /** Finished but not yet passed by the frontier: waiting behind a lower unfinished sequence. */
  private readonly finished = new Map<number, T>();
  /** The highest finished sequence the frontier has passed: what the next cumulative ack may name. */
  private ackable: { seq: number; handle: T } | null = null;
  /** The highest sequence handed out for acking so far. */
  acked = 0;

  /** A delivery came in. A redelivery of one still open changes nothing. */
  delivered(seq: number): void {
    if (this.openSet.has(seq)) return;
    this.openSet.add(seq);
    const open = this.open;
    if (open.length === this.head || seq > open[open.length - 1]!) {
      open.push(seq);
      return;
    }
    // Out of order (a redelivery): insert where it belongs.
    let lo = this.head;
    let hi = open.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (open[mid]! < seq) lo = mid + 1;
      else hi = mid;
    }
    open.splice(lo, 0, seq);
  }

  /** The delivery of `seq` is finished; `handle` acks it (and, cumulatively, everything below). */
  finish(seq: number, handle: T): void {
    // Finished twice, or never announced: never a reason to move the ack.
    if (!this.openSet.delete(seq)) return;
    this.finished.set(seq, handle);
    this.advance();
  }

  /**
   * The handle to ack now, covering everything finished below the lowest open delivery, or null
   * when nothing new may be acked. Call once after a run of `finish` calls.
   */
  take(): T | null {
    const a = this.ackable;
    if (!a || a.seq <= this.acked) return null;
    // A redelivery below it came in since: wait until that one is finished too.
    if (this.openSet.size > 0 && this.lowestOpen() < a.seq) return null;
    this.acked = a.seq;
    this.ackable = null;
    return a.handle;
  }

  /** Whether `seq` was finished already: its ack is waiting behind a lower open delivery, or was sent. */
  isFinished(seq: number): boolean {
    return this.finished.has(seq) || (seq <= this.acked && !this.openSet.has(seq));
  }

  /** Deliveries not finished yet. */
  get openCount(): number {
    return this.openSet.size;
  }

  private lowestOpen(): number {
    return this.open[this.head]!;
  }

  private advance(): void {
    const open = this.open;
    while (this.head < open.length) {
      const seq = open[this.head]!;
      const handle = this.finished.get(seq);
      if (handle === undefined) {
        if (this.openSet.has(seq)) break;
        // A second entry of a sequence delivered again after it was finished: passed already.
        this.head++;
        continue;
      }
      this.finished.delete(seq);
      if (!this.ackable || seq > this.ackable.seq) this.ackable = { seq, handle };
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > open.length) {
      this.open = open.slice(this.head);
      this.head = 0;
    }
  }
}
