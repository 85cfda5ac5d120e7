// An open-addressing hash table from 52-bit keys to row ids in two typed arrays (12 bytes a slot, no objects).

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

/**
 * A multimap: one key may hold several rows (different ids whose keys collide). Row 0 marks an
 * empty slot, so row ids start at 1 (SQLite rowids do). Linear probing; removal shifts the
 * following run back, so there are no tombstones and lookups never slow down with churn.
 */
export class KeyIndex {
  private keys: Float64Array;
  private rows: Uint32Array;
  private mask: number;
  size = 0;

  constructor(expected = 0) {
    const capacity = powerOfTwoAtLeast(Math.ceil(expected / START_LOAD));
    this.keys = new Float64Array(capacity);
    this.rows = new Uint32Array(capacity);
    this.mask = capacity - 1;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** Bytes held by the two arrays. */
  get bytes(): number {
    return this.keys.byteLength + this.rows.byteLength;
  }

  add(key: number, row: number): void {
    if (this.size + 1 > this.capacity * MAX_LOAD) this.grow();
    this.place(key, row);
    this.size++;
  }

  private place(key: number, row: number): void {
    const { keys, rows, mask } = this;
    let i = (key >>> 0) & mask;
    while (rows[i] !== 0) i = (i + 1) & mask;
    keys[i] = key;
    rows[i] = row;
  }

  private grow(): void {
    const { keys, rows } = this;
    const capacity = keys.length * 2;
    this.keys = new Float64Array(capacity);
    this.rows = new Uint32Array(capacity);
    this.mask = capacity - 1;
    for (let i = 0; i < keys.length; i++) if (rows[i] !== 0) this.place(keys[i]!, rows[i]!);
  }

  /**
   * Walks the rows under `key` without allocating: `next(key, -1)` is the first slot holding
   * `key`, `next(key, slot)` the one after it; -1 when there is none. Read the row with rowAt.
   */
  next(key: number, slot: number): number {
    const { keys, rows, mask } = this;
    for (let i = slot < 0 ? (key >>> 0) & mask : (slot + 1) & mask; rows[i] !== 0; i = (i + 1) & mask) {
      if (keys[i] === key) return i;
    }
    return -1;
  }

  rowAt(slot: number): number {
    return this.rows[slot]!;
  }

  /** Whether any row is held under `key` (no row means: certainly a new id). */
  has(key: number): boolean {
    const { keys, rows, mask } = this;
    for (let i = (key >>> 0) & mask; rows[i] !== 0; i = (i + 1) & mask) if (keys[i] === key) return true;
    return false;
  }

  /** Removes the pair (key, row); answers whether it was there. */
  remove(key: number, row: number): boolean {
    const { keys, rows, mask } = this;
    let i = (key >>> 0) & mask;
    while (rows[i] !== 0 && !(keys[i] === key && rows[i] === row)) i = (i + 1) & mask;
    if (rows[i] === 0) return false;
    // Backward-shift: move later members of the probe run into the hole when their home allows it.
    let hole = i;
    for (let j = (i + 1) & mask; rows[j] !== 0; j = (j + 1) & mask) {
      const home = (keys[j]! >>> 0) & mask;
      // j may move to the hole if its home is not cyclically within (hole, j].
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        keys[hole] = keys[j]!;
        rows[hole] = rows[j]!;
        hole = j;
      }
    }
    rows[hole] = 0;
    keys[hole] = 0;
    this.size--;
    return true;
  }
}
