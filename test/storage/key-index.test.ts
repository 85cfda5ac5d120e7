// The dedup index's hash table against a plain Map model: adds, growth, removals with backward shift, shared keys.
import { expect, test } from "bun:test";
import { hashKey } from "../../src/storage/hash-key.ts";
import { KeyIndex } from "../../src/storage/key-index.ts";

function rowsOf(index: KeyIndex, key: number): number[] {
  const out: number[] = [];
  for (let slot = index.next(key, -1); slot >= 0; slot = index.next(key, slot)) out.push(index.rowAt(slot));
  return out;
}

test("every key added is found with its rows, removed ones are gone, through growth and churn", () => {
  const index = new KeyIndex();
  const model = new Map<number, number[]>();
  let seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const keys: number[] = [];
  for (let row = 1; row <= 60_000; row++) {
    // Every tenth row shares the key of an earlier one: a key with several rows.
    const key = row % 10 === 0 && keys.length > 0 ? keys[rand() % keys.length]! : hashKey(`${rand()}-${row}`, 7);
    keys.push(key);
    index.add(key, row);
    model.set(key, [...(model.get(key) ?? []), row]);
  }
  for (let i = 0; i < 30_000; i++) {
    const row = 1 + (rand() % 60_000);
    const key = keys[row - 1]!;
    const held = model.get(key) ?? [];
    expect(index.remove(key, row)).toBe(held.includes(row));
    model.set(key, held.filter((r) => r !== row));
  }
  let size = 0;
  for (const [key, rows] of model) {
    size += rows.length;
    // Other keys sharing the 32-bit tag may add candidates; every true row must be among them.
    const found = rowsOf(index, key);
    for (const r of rows) expect(found).toContain(r);
    expect(found.filter((r) => keys[r - 1] === key).sort((a, b) => a - b)).toEqual([...rows].sort((a, b) => a - b));
  }
  expect(index.size).toBe(size);
  expect(index.capacity).toBeGreaterThanOrEqual(size / 0.75);
});

test("keys are 52-bit integers that depend on every character and on the seed", () => {
  const h = "ab".repeat(32);
  const k = hashKey(h, 1);
  expect(Number.isInteger(k)).toBe(true);
  expect(k).toBeGreaterThanOrEqual(0);
  expect(k).toBeLessThan(2 ** 52);
  expect(hashKey(`${h.slice(0, 63)}c`, 1)).not.toBe(k);
  expect(hashKey(`c${h.slice(1)}`, 1)).not.toBe(k);
  expect(hashKey(h, 2)).not.toBe(k);
  expect(hashKey(h, 1)).toBe(k);
});
