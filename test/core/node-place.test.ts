// A node's place is its latest heartbeat's, whatever other messages arrive beside it and in whatever order.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { BatchBuilder } from "../../src/core/batch.ts";
import type { NodeRecord } from "../../src/core/records.ts";
import { decodeMessage } from "../../src/protocol/decode.ts";
import type { InboundEvent } from "../../src/protocol/events.ts";
import {
  type OutboundMessage, hashFor, heartbeat, invoiceCreated, nodeIdFor, nodeJoined, nodeLeft, taskCompleted, taskReceived,
} from "../../src/simulation/monitor-messages.ts";
import { MemoryRecords } from "../helpers/memory-records.ts";

const AT = Date.UTC(2026, 0, 15, 12);
const NODE = nodeIdFor(7);

function event(m: OutboundMessage, at: number): InboundEvent {
  const r = decodeMessage(m.subject, new TextEncoder().encode(m.payload), at);
  if (!r.ok) throw new Error(r.reason);
  return r.event;
}

/** Every kind of message a node sends, each with the place it carries (null: it carries none). */
const KINDS: Record<string, { message: () => OutboundMessage; place: { continent: string | null; location: string | null } | null }> = {
  "heartbeat with continent and location": {
    message: () => heartbeat(NODE, { continentBucket: "EU", locationBucket: "52.5,13.4" }),
    place: { continent: "EU", location: "52.5,13.4" },
  },
  "heartbeat with continent only": { message: () => heartbeat(NODE, { continentBucket: "AS" }), place: { continent: "AS", location: null } },
  "heartbeat with location only": { message: () => heartbeat(NODE, { locationBucket: "-33.9,18.4" }), place: { continent: null, location: "-33.9,18.4" } },
  "heartbeat without a place": { message: () => heartbeat(NODE), place: { continent: null, location: null } },
  "offline heartbeat with a location": {
    message: () => heartbeat(NODE, { status: "offline", locationBucket: "40.7,-74.0" }),
    place: { continent: null, location: "40.7,-74.0" },
  },
  node_joined: { message: () => nodeJoined(NODE), place: null },
  node_left: { message: () => nodeLeft(NODE), place: null },
  task_received: { message: () => taskReceived(NODE, { taskIdHash: hashFor("place", 1), chainId: "1" }), place: null },
  task_completed: { message: () => taskCompleted(NODE, { taskIdHash: hashFor("place", 2), success: true }), place: null },
  invoice_created: { message: () => invoiceCreated(NODE, { invoiceIdHash: hashFor("place-invoice", 1) }), place: null },
};

/** The stored node record after `events`, one batch each, in the given order. */
function nodeAfterBatches(events: InboundEvent[]): NodeRecord {
  const records = new MemoryRecords();
  for (const e of events) {
    const b = new BatchBuilder(records, new Map());
    b.add(e);
    records.commit(b.effect());
  }
  return records.nodes.get(NODE)!;
}

/** The same, all events in one batch (one flush), as a monitor's join and first heartbeat arrive. */
function nodeAfterOneBatch(events: InboundEvent[]): NodeRecord {
  const records = new MemoryRecords();
  const b = new BatchBuilder(records, new Map());
  for (const e of events) b.add(e);
  records.commit(b.effect());
  return records.nodes.get(NODE)!;
}

const names = Object.keys(KINDS);

describe("every pair of message types, both orders", () => {
  for (const [i, a] of names.entries()) {
    for (const b of names.slice(i)) {
      for (const [label, offset] of [["at the same time", 0], ["the first 1 ms earlier", -1], ["the first 1 ms later", 1]] as const) {
        test(`${a} + ${b}, ${label}`, () => {
          const first = event(KINDS[a]!.message(), AT + offset);
          const second = event(KINDS[b]!.message(), AT);
          const forward = nodeAfterBatches([first, second]);
          expect(nodeAfterBatches([second, first])).toEqual(forward);
          expect(nodeAfterOneBatch([first, second])).toEqual(forward);
          expect(nodeAfterOneBatch([second, first])).toEqual(forward);

          // The place is the latest heartbeat's; a message without a place never touches it.
          const placed = [[KINDS[a]!.place, AT + offset], [KINDS[b]!.place, AT]] as const;
          const heartbeats = placed.filter(([p]) => p !== null);
          const latest = Math.max(...heartbeats.map(([, at]) => at));
          const candidates = heartbeats.filter(([, at]) => at === latest).map(([p]) => p);
          const got = { continent: forward.continent, location: forward.location };
          if (candidates.length === 0) expect(got).toEqual({ continent: null, location: null });
          else expect(candidates).toContainEqual(got);
        });
      }
    }
  }

  test("two heartbeats in the same millisecond: the one that says more wins, either order", () => {
    const full = event(KINDS["heartbeat with continent and location"]!.message(), AT);
    const bare = event(KINDS["heartbeat without a place"]!.message(), AT);
    expect(nodeAfterBatches([bare, full])).toMatchObject({ continent: "EU", location: "52.5,13.4" });
    expect(nodeAfterBatches([full, bare])).toMatchObject({ continent: "EU", location: "52.5,13.4" });
  });

  test("a later heartbeat without a place clears the place: an absent field means none", () => {
    const placed = event(KINDS["heartbeat with continent and location"]!.message(), AT);
    const bare = event(KINDS["heartbeat without a place"]!.message(), AT + 30_000);
    expect(nodeAfterBatches([bare, placed])).toMatchObject({ continent: null, location: null });
  });

  test("the issue's case: node_joined and a location-only heartbeat in the same millisecond keep the location", () => {
    const joined = event(nodeJoined(NODE), AT);
    const hb = event(heartbeat(NODE, { locationBucket: "52.5,13.4" }), AT);
    for (const order of [[joined, hb], [hb, joined]]) {
      expect(nodeAfterOneBatch(order)).toMatchObject({ continent: null, location: "52.5,13.4", status: "online" });
    }
  });
});

test("property: every permutation of a node's reports gives the same record", () => {
  const kind = fc.constantFrom(...names);
  // Few distinct times so that ties are common.
  const report = fc.record({ kind, offset: fc.integer({ min: 0, max: 3 }) });
  fc.assert(
    fc.property(fc.array(report, { minLength: 1, maxLength: 7 }), fc.infiniteStream(fc.nat()), (reports, seeds) => {
      const events = reports.map((r) => event(KINDS[r.kind]!.message(), AT + r.offset * 1000));
      const reference = nodeAfterBatches(events);
      const shuffled = [...events];
      const it = seeds[Symbol.iterator]();
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = it.next().value % (i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      expect(nodeAfterBatches(shuffled)).toEqual(reference);
      expect(nodeAfterOneBatch(shuffled)).toEqual(reference);
      expect(nodeAfterOneBatch([...events].reverse())).toEqual(reference);
    }),
    { numRuns: 2000, seed: 20261201 },
  );
});
