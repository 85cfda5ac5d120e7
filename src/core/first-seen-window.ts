// Counts items by first-seen second over a sliding window (the "last 24 hours" figures) in O(1) per event.

/**
 * A ring of per-second counts spanning the window. Resolution is one second:
 * an item first seen in the boundary second is counted for that whole second.
 *
 * Invariant after every count(): no slot holds a second at or before `expiredThrough`.
 * Two seconds sharing a slot are more than a window apart, so the older one is
 * outside the window whenever the newer one is inside it: the newer always wins.
 */
export class FirstSeenWindow {
  private readonly slots: number;
  private readonly counts: Float64Array;
  private readonly stamps: Float64Array;
  private running = 0;
  private expiredThrough = Number.NEGATIVE_INFINITY;

  constructor(readonly spanMs: number) {
    this.slots = Math.ceil(spanMs / 1000) + 2;
    this.counts = new Float64Array(this.slots);
    this.stamps = new Float64Array(this.slots).fill(-1);
  }

  private slotOf(second: number): number {
    return ((second % this.slots) + this.slots) % this.slots;
  }

  add(atMs: number, n = 1): void {
    const second = Math.floor(atMs / 1000);
    if (second <= this.expiredThrough) return;
    const slot = this.slotOf(second);
    const held = this.stamps[slot]!;
    if (held > second) return; // older than a newer item by more than the window
    if (held !== second) {
      this.running -= this.counts[slot]!;
      this.counts[slot] = 0;
      this.stamps[slot] = second;
    }
    this.counts[slot]! += n;
    this.running += n;
  }

  remove(atMs: number, n = 1): void {
    const second = Math.floor(atMs / 1000);
    const slot = this.slotOf(second);
    if (this.stamps[slot] !== second) return;
    this.counts[slot]! -= n;
    this.running -= n;
  }

  private clear(slot: number): void {
    this.running -= this.counts[slot]!;
    this.counts[slot] = 0;
    this.stamps[slot] = -1;
  }

  /** Items first seen in (now - span, now], to one-second resolution. */
  count(nowMs: number): number {
    const cutoff = Math.floor((nowMs - this.spanMs) / 1000);
    if (cutoff <= this.expiredThrough) return this.running;
    if (cutoff - this.expiredThrough >= this.slots) {
      // A gap longer than the ring (or the first call): check every slot once.
      for (let slot = 0; slot < this.slots; slot++) {
        const held = this.stamps[slot]!;
        if (held !== -1 && held <= cutoff) this.clear(slot);
      }
    } else {
      for (let s = this.expiredThrough + 1; s <= cutoff; s++) {
        const slot = this.slotOf(s);
        const held = this.stamps[slot]!;
        if (held !== -1 && held <= cutoff) this.clear(slot);
      }
    }
    this.expiredThrough = cutoff;
    return this.running;
  }
}
