// The heap trim collects exactly when the heap has grown its headroom past the last collection, and really frees memory under Bun.
import { expect, test } from "bun:test";
import { HeapTrim, createHeapTrim, runtimeFullCollection } from "../../src/service/heap-trim.ts";

const MB = 1024 * 1024;

function scripted(headroomMb: number) {
  const heap = { used: 20 * MB };
  let clock = 0;
  const trim = new HeapTrim({
    headroomBytes: headroomMb * MB,
    heapUsed: () => heap.used,
    collect: () => {
      clock += 7;
      heap.used = 22 * MB; // what survives
    },
    now: () => clock,
  });
  return { heap, trim };
}

test("below the headroom nothing is collected; at it one collection, timed and reported", () => {
  const { heap, trim } = scripted(32);
  heap.used = 51.9 * MB;
  trim.check();
  expect(trim.collections).toBe(0);
  heap.used = 52 * MB;
  trim.check();
  expect(trim.collections).toBe(1);
  expect(trim.collectingMs).toBe(7);
});

test("the headroom counts from what the last collection left, not from the start", () => {
  const { heap, trim } = scripted(32);
  heap.used = 60 * MB;
  trim.check(); // leaves 22 MB
  heap.used = 53 * MB; // past the first floor + 32, short of the new one
  trim.check();
  expect(trim.collections).toBe(1);
  heap.used = 54 * MB;
  trim.check();
  expect(trim.collections).toBe(2);
});

test("a runtime without a synchronous collection, or HEAP_TRIM_MB=0: check() does nothing", () => {
  const noRuntime = new HeapTrim({ headroomBytes: 1, heapUsed: () => 1e12, collect: undefined });
  noRuntime.check();
  expect(noRuntime.collections).toBe(0);
  let used = 0;
  const off = new HeapTrim({ headroomBytes: 0, heapUsed: () => used, collect: () => { throw new Error("collected although off"); } });
  used = 1e12;
  off.check();
  expect(off.collections).toBe(0);
});

function withYoung(everyMessages: number) {
  const heap = { used: 20 * MB };
  const made: string[] = [];
  const trim = new HeapTrim({
    headroomBytes: 32 * MB,
    heapUsed: () => heap.used,
    collect: () => {
      made.push("full");
      heap.used = 22 * MB;
    },
    collectYoung: () => void made.push("young"),
    youngEveryMessages: everyMessages,
  });
  return { heap, trim, made };
}

test("a young collection once the messages committed since the last collection reach the threshold", () => {
  const { trim, made } = withYoung(4000);
  trim.check(2500);
  expect(made).toEqual([]);
  trim.check(1500);
  expect(made).toEqual(["young"]);
  trim.check(3999);
  expect(made).toEqual(["young"]);
  trim.check(1);
  expect(made).toEqual(["young", "young"]);
  expect(trim.youngCollections).toBe(2);
  expect(trim.collections).toBe(0);
});

test("a full collection stands for the young one and restarts its count", () => {
  const { heap, trim, made } = withYoung(4000);
  trim.check(3000);
  heap.used = 60 * MB;
  trim.check(3000); // due for both: only the full one runs
  expect(made).toEqual(["full"]);
  trim.check(3999);
  expect(made).toEqual(["full"]);
  trim.check(1);
  expect(made).toEqual(["full", "young"]);
});

test("HEAP_TRIM_MB=0 turns the young collections off too", () => {
  let young = 0;
  const off = new HeapTrim({ headroomBytes: 0, heapUsed: () => 0, collect: undefined, collectYoung: () => void young++, youngEveryMessages: 1 });
  off.check(1_000_000);
  expect(young).toBe(0);
});

/** A batch's objects, held long enough to reach the old generation, as the pipeline's queue holds them. */
const queue: { held: { id: string; n: number }[] | null } = { held: null };

function fillTheQueue(): void {
  const held: { id: string; n: number }[] = [];
  for (let i = 0; held.length < 400_000; i++) held.push({ id: `task-${i}-${"x".repeat(40)}`, n: i });
  queue.held = held;
}

test("under Bun the trim frees what a dropped batch held", async () => {
  expect(await runtimeFullCollection()).toBeFunction();
  Bun.gc(true);
  const trim = await createHeapTrim(16 * MB);
  fillTheQueue();
  Bun.gc(true); // the batch survives a full collection: it is old and still referenced
  const whileHeld = process.memoryUsage().heapUsed;
  queue.held = null; // committed: nothing references it, and no young collection will take it
  trim.check();
  expect(trim.collections).toBe(1);
  expect(process.memoryUsage().heapUsed).toBeLessThan(whileHeld - 16 * MB);
});
