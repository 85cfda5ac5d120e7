// The cumulative ack never passes a delivery that is still unfinished, whatever the order of deliveries and finishes.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { AckFrontier } from "../../src/nats/ack-frontier.ts";

test("in-order deliveries finished as a batch are covered by one ack of the highest", () => {
  const f = new AckFrontier<number>();
  for (let s = 1; s <= 5; s++) f.delivered(s);
  for (let s = 1; s <= 5; s++) f.finish(s, s);
  expect(f.take()).toBe(5);
  expect(f.take()).toBeNull();
  expect(f.acked).toBe(5);
  expect(f.openCount).toBe(0);
});

test("a message refused early does not ack the committed-later messages before it", () => {
  const f = new AckFrontier<number>();
  for (let s = 1; s <= 4; s++) f.delivered(s);
  f.finish(3, 3); // invalid: finished at once, while 1 and 2 wait for their commit
  expect(f.take()).toBeNull();
  f.finish(1, 1);
  f.finish(2, 2);
  expect(f.take()).toBe(3);
  f.finish(4, 4);
  expect(f.take()).toBe(4);
});

test("a message the pipeline dropped holds the ack back until its redelivery is finished", () => {
  const f = new AckFrontier<number>();
  for (let s = 1; s <= 3; s++) f.delivered(s);
  f.finish(1, 1);
  f.finish(3, 3); // 2 was dropped: never finished
  expect(f.take()).toBe(1);
  f.delivered(4);
  f.finish(4, 4);
  expect(f.take()).toBeNull();
  f.delivered(2); // the redelivery
  f.finish(2, 2);
  expect(f.take()).toBe(4);
});

test("a redelivery of a message already acked is finished without moving the ack back", () => {
  const f = new AckFrontier<number>();
  f.delivered(1);
  f.delivered(2);
  f.finish(1, 1);
  f.finish(2, 2);
  expect(f.take()).toBe(2);
  f.delivered(1);
  f.delivered(3);
  f.finish(3, 3);
  expect(f.take()).toBeNull(); // the repeat of 1 is still open below 3
  f.finish(1, 1);
  expect(f.take()).toBe(3);
});

test("a finished message still waiting behind a lower one is known as finished, and so is one already acked", () => {
  const f = new AckFrontier<number>();
  for (let s = 1; s <= 3; s++) f.delivered(s);
  f.finish(2, 2);
  expect(f.isFinished(2)).toBe(true);
  expect(f.isFinished(1)).toBe(false);
  expect(f.isFinished(3)).toBe(false);
  f.finish(1, 1);
  expect(f.take()).toBe(2);
  expect(f.isFinished(1)).toBe(true);
  expect(f.isFinished(3)).toBe(false);
  // The redelivery of 2 is finished with its newer handle, without moving the ack back.
  f.delivered(2);
  f.finish(2, 20);
  expect(f.take()).toBeNull();
  f.finish(3, 3);
  expect(f.take()).toBe(3);
});

test("a sequence finished twice or never announced does not move the ack", () => {
  const f = new AckFrontier<number>();
  f.delivered(5);
  f.finish(7, 7);
  expect(f.take()).toBeNull();
  f.finish(5, 5);
  f.finish(5, 5);
  expect(f.take()).toBe(5);
  expect(f.take()).toBeNull();
});

test("property: every ack covers only finished deliveries, and once all are finished the ack reaches the highest", () => {
  const ops = fc.array(fc.record({ seq: fc.integer({ min: 1, max: 60 }), finishNow: fc.boolean(), takeAfter: fc.boolean() }), { maxLength: 200 });
  fc.assert(fc.property(ops, fc.array(fc.nat(), { maxLength: 200 }), (steps, order) => {
    const f = new AckFrontier<number>();
    const open = new Set<number>(); // delivered, not finished (a repeat of an open one is the same delivery)
    const done = new Set<number>(); // finished at least once: stored, so acking it loses nothing
    const waiting: number[] = [];
    let highest = 0;
    const check = () => {
      const h = f.take();
      if (h === null) return;
      for (const s of open) if (!done.has(s)) expect(s).toBeGreaterThan(h);
      expect(h).toBe(f.acked);
    };
    for (const st of steps) {
      f.delivered(st.seq);
      if (!open.has(st.seq)) {
        open.add(st.seq);
        waiting.push(st.seq);
      }
      highest = Math.max(highest, st.seq);
      if (st.finishNow && waiting.length > 0) {
        const i = (order.pop() ?? 0) % waiting.length;
        const [s] = waiting.splice(i, 1);
        open.delete(s!);
        done.add(s!);
        f.finish(s!, s!);
      }
      if (st.takeAfter) check();
    }
    for (const s of waiting) {
      open.delete(s);
      done.add(s);
      f.finish(s, s);
    }
    check();
    expect(f.openCount).toBe(0);
    if (highest > 0) expect(f.acked).toBe(highest);
  }), { numRuns: 2000 });
});
