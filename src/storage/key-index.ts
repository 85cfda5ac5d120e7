// An open-addressing hash table from 52-bit keys to row ids in two Uint32Arrays (8 bytes a slot, no objects).

const MIN_CAPACITY = 1024;
/** Grows past this load; lookups of absent keys (every new task) stay short below it. */
const MAX_LOAD = 0.75;
/** Sized for this load when the expected count is known (at start). */
const START_LOAD = 0.6;

function powerOfTwoAtLeast(n: number): number {
  let c = MIN_CAPACITY;
  while (c < n) c *= 2;
  return c;
}

/** The 32 high bits of a 52-bit key: both the slot's tag and, through its low bits, the home slot. */
function tagOf(key: number): number {
  return Math.floor(key / 0x100000) >>> 0;
}

/**
 * A multimap from keys to rows. Only a 32-bit tag of each key is kept, so a lookup also yields the
 * rows of keys that merely share the tag (with n stored keys, a new key meets one with chance
 * n / 2^32: about 1 in 430 at 10M). Such a row is a candidate, never a match: the caller compares
 * the full hash of the row. Row 0 marks an empty slot, so row ids start at 1 (SQLite rowids do).
 * Linear probing; removal shifts the following run back, so there are no tombstones and lookups
 * never slow down with churn.
 */
export class KeyIndex {
  private tags: Uint32Array;
  private rows: Uint32Array;
  private mask: number;
  size = 0;

  constructor(expected = 0) {
    const capacity = powerOfTwoAtLeast(Math.ceil(expected / START_LOAD));
    this.tags = new Uint32Array(capacity);
    this.rows = new Uint32Array(capacity);
    this.mask = capacity - 1;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** Bytes held by the two arrays. */
  get bytes(): number {
    return this.tags.byteLength + this.rows.byteLength;
  }

  add(key: number, row: number): void {
    if (this.size + 1 > this.capacity * MAX_LOAD) this.grow();
    this.place(tagOf(key), row);
    this.size++;
  }

  private place(tag: number, row: number): void {
    const { tags, rows, mask } = this;
    let i = tag & mask;
    while (rows[i] !== 0) i = (i + 1) & mask;
    tags[i] = tag;
    rows[i] = row;
  }

  private grow(): void {
    const { tags, rows } = this;
    const capacity = tags.length * 2;
    this.tags = new Uint32Array(capacity);
    this.rows = new Uint32Array(capacity);
    this.mask = capacity - 1;
    for (let i = 0; i < tags.length; i++) if (rows[i] !== 0) this.place(tags[i]!, rows[i]!);
  }

  /**
   * Walks the candidate rows of `key` without allocating: `next(key, -1)` is the first slot that may
   * hold it, `next(key, slot)` the one after; -1 when there is none. Read the row with rowAt.
   */
  next(key: number, slot: number): number {
    const { tags, rows, mask } = this;
    const tag = tagOf(key);
    for (let i = slot < 0 ? tag & mask : (slot + 1) & mask; rows[i] !== 0; i = (i + 1) & mask) {
      if (tags[i] === tag) return i;
    }
    return -1;
  }

  rowAt(slot: number): number {
    return this.rows[slot]!;
  }

  /** Removes the pair (key, row); answers whether it was there. */
  remove(key: number, row: number): boolean {
    const { tags, rows, mask } = this;
    const tag = tagOf(key);
    let i = tag & mask;
    while (rows[i] !== 0 && !(tags[i] === tag && rows[i] === row)) i = (i + 1) & mask;
    if (rows[i] === 0) return false;
    // Backward shift: move later members of the probe run into the hole when their home allows it.
    let hole = i;
    for (let j = (i + 1) & mask; rows[j] !== 0; j = (j + 1) & mask) {
      const home = tags[j]! & mask;
      // j may move to the hole unless its home lies cyclically within (hole, j].
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        tags[hole] = tags[j]!;
        rows[hole] = rows[j]!;
        hole = j;
      }
    }
    rows[hole] = 0;
    tags[hole] = 0;
    this.size--;
    return true;
  }
}
