// Reports that disagree give the same figures whatever order they arrive in (PROTOCOL.md: order does not matter).
import { expect, test } from "bun:test";
import { BatchBuilder } from "../../src/core/batch.ts";
import { NetworkState } from "../../src/core/network-state.ts";
import { buildNetworkStats } from "../../src/core/network-stats.ts";
import { decodeMessage } from "../../src/protocol/decode.ts";
import type { InboundEvent } from "../../src/protocol/events.ts";
import {
  type OutboundMessage, hashFor, heartbeat, invoiceCreated, nodeIdFor, nodeLeft, taskCompleted, taskReceived,
} from "../../src/simulation/monitor-messages.ts";
import { MemoryRecords } from "../helpers/memory-records.ts";

const AT = Date.UTC(2026, 0, 15, 12);

function event(m: OutboundMessage, at = AT): InboundEvent {
  const r = decodeMessage(m.subject, new TextEncoder().encode(m.payload), at);
  if (!r.ok) throw new Error(r.reason);
  return r.event;
}

/** Applies events one per batch, in the given order, and returns the published figures. */
function figures(events: InboundEvent[]) {
  const records = new MemoryRecords();
  const state = new NetworkState();
  for (const e of events) {
    const b = new BatchBuilder(records, state.nodes);
    b.add(e);
    const effect = b.effect();
    records.commit(effect);
    state.apply(effect);
  }
  return buildNetworkStats(state, AT + 1000, { activeWindowMs: 300_000 }).data;
}

function sameBothWays(events: InboundEvent[]) {
  const forward = figures(events);
  expect(figures([...events].reverse())).toEqual(forward);
  return forward;
}

const A = nodeIdFor(1);
const B = nodeIdFor(2);
const task = hashFor("conflict", 1);

test("two completions that disagree: the same outcome either way (earliest, then failure first)", () => {
  const sameTime = sameBothWays([
    event(taskCompleted(A, { taskIdHash: task, success: true })),
    event(taskCompleted(B, { taskIdHash: task, success: false, cached: true })),
  ]);
  expect(sameTime).toMatchObject({ totalTasks: 1, completedTasks: 0, failedTasks: 1, cachedTasks: 1 });
  // An earlier success beats a later failure, whichever is processed first.
  const earlier = sameBothWays([
    event(taskCompleted(A, { taskIdHash: task, success: true }), AT - 5000),
    event(taskCompleted(B, { taskIdHash: task, success: false, cached: true })),
  ]);
  expect(earlier).toMatchObject({ totalTasks: 1, completedTasks: 1, failedTasks: 0, cachedTasks: 0 });
});

test("a chain id reported differently by receipt and completion counts once, the same way either order", () => {
  const f = sameBothWays([
    event(taskReceived(A, { taskIdHash: task, chainId: "1", taskType: "wasm" })),
    event(taskCompleted(A, { taskIdHash: task, chainId: "137", success: true })),
  ]);
  expect(f.chainDistribution).toEqual({ "1": 1 });
  expect(f.taskTypeDistribution).toEqual({ wasm: 1 });
});

test("an invoice reported twice with different buckets is described by its earliest report", () => {
  const inv = hashFor("invoice", 9);
  const f = sameBothWays([
    event(invoiceCreated(A, { invoiceIdHash: inv, stepsComputedBucket: "<100K", memoryUsedBucket: "<64MB" }), AT - 1000),
    event(invoiceCreated(B, { invoiceIdHash: inv, stepsComputedBucket: ">100M", memoryUsedBucket: ">1GB" })),
  ]);
  expect(f).toMatchObject({ totalInvoices: 1, stepsComputedDistribution: { "<100K": 1 }, memoryUsedDistribution: { "<64MB": 1 } });
});

test("a heartbeat and a node_left in the same millisecond: offline wins either way", () => {
  const f = sameBothWays([event(heartbeat(A, { continentBucket: "EU" })), event(nodeLeft(A))]);
  expect(f).toMatchObject({ activeNodes: 0, totalNodes: 1 });
});
