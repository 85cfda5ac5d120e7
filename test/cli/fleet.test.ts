// The simulated fleet behind simulate and demo: valid messages only, a realistic mix, heartbeats on schedule, and exact pacing.
import { expect, test } from "bun:test";
import { decodeMessage } from "../../src/protocol/decode.ts";
import { SimulatedFleet } from "../../src/simulation/fleet.ts";
import type { OutboundMessage } from "../../src/simulation/monitor-messages.ts";
import { paceTraffic } from "../../src/simulation/traffic-pacer.ts";

const encoder = new TextEncoder();

function take(fleet: SimulatedFleet, n: number, startAt = 1_700_000_000_000, stepMs = 10): OutboundMessage[] {
  return Array.from({ length: n }, (_, i) => fleet.next(startAt + i * stepMs));
}

test("every message passes the aggregator's own decoder", () => {
  const messages = take(new SimulatedFleet({ nodes: 50, seed: 1 }, 1_700_000_000_000), 5000);
  const rejected = messages
    .map((m) => ({ m, r: decodeMessage(m.subject, encoder.encode(m.payload), Date.now()) }))
    .filter(({ r }) => !r.ok)
    .map(({ m, r }) => `${m.subject}: ${(r as { reason: string }).reason}`);
  expect(rejected).toEqual([]);
});

test("a monitor's life: joins, beats, receives tasks before completing them, invoices successes, sometimes repeats", () => {
  const messages = take(new SimulatedFleet({ nodes: 20, seed: 9 }, 1_700_000_000_000), 4000);
  const data = messages.map((m) => ({ subject: m.subject as string, body: JSON.parse(m.payload) }));
  expect(data.slice(0, 40).map((d) => d.subject)).toEqual(Array.from({ length: 20 }, () => ["truebit.nodes.joined", "truebit.heartbeat"]).flat());

  const received = new Set<string>();
  const succeeded = new Set<string>();
  let repeats = 0;
  const completed = new Set<string>();
  for (const { subject, body } of data) {
    const id = body.data.taskIdHash;
    if (subject === "truebit.tasks.received") {
      expect(received.has(id)).toBe(false);
      received.add(id);
    } else if (subject === "truebit.tasks.completed") {
      expect(received.has(id)).toBe(true);
      if (completed.has(id)) repeats++;
      completed.add(id);
      if (body.data.success) succeeded.add(id);
    } else if (subject === "truebit.invoices.created") {
      expect(succeeded.has(id)).toBe(true);
    }
  }
  const successRate = succeeded.size / completed.size;
  expect(successRate).toBeGreaterThan(0.88);
  expect(successRate).toBeLessThan(0.99);
  expect(repeats).toBeGreaterThan(0);
  const continents = new Set(data.filter((d) => d.subject === "truebit.heartbeat").map((d) => d.body.data.continentBucket));
  expect(continents.size).toBeGreaterThan(2);
});

test("each node beats once per heartbeat interval", () => {
  const fleet = new SimulatedFleet({ nodes: 5, seed: 3, heartbeatIntervalMs: 1000 }, 0);
  // 10 s of simulated time at 100 messages per second.
  const beats = take(fleet, 1000, 0, 10).filter((m) => m.subject === "truebit.heartbeat");
  const perNode = new Map<string, number>();
  for (const b of beats) {
    const id = JSON.parse(b.payload).nodeId as string;
    perNode.set(id, (perNode.get(id) ?? 0) + 1);
  }
  expect(perNode.size).toBe(5);
  // One at start-up, then one per elapsed second.
  for (const n of perNode.values()) expect(n).toBeGreaterThanOrEqual(10);
  for (const n of perNode.values()) expect(n).toBeLessThanOrEqual(11);
});

test("different seeds never share node ids or task hashes", () => {
  const ids = (seed: number) => new Set(take(new SimulatedFleet({ nodes: 10, seed }), 500).flatMap((m) => {
    const body = JSON.parse(m.payload);
    return [body.nodeId, body.data.taskIdHash].filter(Boolean);
  }));
  const a = ids(1);
  const b = ids(2);
  expect([...a].filter((x) => b.has(x))).toEqual([]);
});

test("pacing: exactly rate x duration attempts, refusals counted, abort honoured", async () => {
  const fleet = new SimulatedFleet({ nodes: 3, seed: 4 });
  let calls = 0;
  const result = await paceTraffic(fleet, () => ++calls % 2 === 0, async () => {}, {
    ratePerSecond: 1000, durationMs: 300, signal: new AbortController().signal,
  });
  expect(calls).toBe(300);
  expect(result.sent + result.notSent).toBe(300);
  expect(result.notSent).toBe(150);
  expect(result.done).toBe(true);

  const stop = new AbortController();
  const endless = paceTraffic(fleet, () => true, async () => {}, { ratePerSecond: 100, signal: stop.signal });
  stop.abort();
  expect((await endless).done).toBe(true);
});
