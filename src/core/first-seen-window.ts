// Counts items by first-seen second over a sliding window (the "last 24 hours" figures) in O(1) per event.

/**
 * A ring of per-second counts spanning the window. Resolution is one second:
 * an item first seen in the boundary second is counted for that whole second.
 * Items whose second is already outside the window are not counted at all.
 */
export class FirstSeenWindow {
  private readonly slots: number;
  private readonly counts: Float64Array;
  private readonly stamps: Float64Array;
  private running = 0;
  /** Every second up to this one has been expired out of `running`. */
  private expiredThrough = Number.NEGATIVE_INFINITY;

  constructor(readonly spanMs: number) {
    this.slots = Math.ceil(spanMs / 1000) + 2;
    this.counts = new Float64Array(this.slots);
    this.stamps = new Float64Array(this.slots).fill(-1);
  }

  add(atMs: number, n = 1): void {
    const second = Math.floor(atMs / 1000);
    if (second <= this.expiredThrough) return;
    const slot = second % this.slots;
    if (this.stamps[slot] !== second) {
      this.running -= this.counts[slot]!;
      this.counts[slot] = 0;
      this.stamps[slot] = second;
    }
    this.counts[slot]! += n;
    this.running += n;
  }

  remove(atMs: number, n = 1): void {
    const second = Math.floor(atMs / 1000);
    const slot = second % this.slots;
    if (second <= this.expiredThrough || this.stamps[slot] !== second) return;
    this.counts[slot]! -= n;
    this.running -= n;
  }

  /** Items first seen in (now - span, now], to one-second resolution. */
  count(nowMs: number): number {
    const cutoff = Math.floor((nowMs - this.spanMs) / 1000);
    if (cutoff > this.expiredThrough) {
      // After a long idle gap, one pass over the ring is enough.
      const from = Math.max(this.expiredThrough + 1, cutoff - this.slots + 1);
      for (let s = from; s <= cutoff; s++) {
        const slot = ((s % this.slots) + this.slots) % this.slots;
        if (this.stamps[slot] === s) {
          this.running -= this.counts[slot]!;
          this.counts[slot] = 0;
          this.stamps[slot] = -1;
        }
      }
      this.expiredThrough = cutoff;
    }
    return this.running;
  }
}
