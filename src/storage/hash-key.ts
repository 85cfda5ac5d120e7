// Turns a 64-hex id hash into the 52-bit integer key of the in-memory dedup index, mixed with the database's seed.

/** 52 bits: every key is an exact double, and stays so in a Float64Array and in SQLite. */
export const KEY_BITS = 52;

/**
 * A seeded mix of every character, not the hash's first bits: ids are chosen by the senders, and a
 * forged family of ids sharing a prefix would otherwise pile onto one key and make every lookup
 * read all their rows. Equal keys never mean equal ids: the caller compares the full hash.
 */
export function hashKey(hash: string, seed: number): number {
  let h1 = seed ^ 0x9e3779b9;
  let h2 = Math.imul(seed ^ 0x7f4a7c15, 0x85ebca6b);
  const n = hash.length;
  for (let i = 0; i < n; i += 4) {
    // Four characters at a time, as they are: case and non-hex input only change the mix.
    let w = hash.charCodeAt(i);
    if (i + 1 < n) w |= hash.charCodeAt(i + 1) << 8;
    if (i + 2 < n) w |= hash.charCodeAt(i + 2) << 16;
    if (i + 3 < n) w |= hash.charCodeAt(i + 3) << 24;
    w = Math.imul(w, 0xcc9e2d51);
    w = (w << 15) | (w >>> 17);
    h1 = Math.imul(h1 ^ w, 0x1b873593);
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    h2 = Math.imul(h2 ^ w, 0xc2b2ae35);
    h2 = (h2 << 17) | (h2 >>> 15);
    h2 = (Math.imul(h2, 9) + 0x38495ab5) | 0;
  }
  h1 ^= n;
  h2 ^= h1;
  h1 = fmix32(h1 ^ (h2 >>> 7));
  h2 = fmix32(h2 ^ h1);
  return (h1 >>> 0) * 0x100000 + (h2 >>> 12);
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** A fresh 32-bit seed for a new database. */
export function newKeySeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]! | 0;
}
