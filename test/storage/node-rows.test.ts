// Node rows held back from writing stay bounded however many ids senders invent, and nothing held back is lost.
import { expect, test } from "bun:test";
import type { NodeRecord } from "../../src/core/records.ts";
import { NODE_SEEN_STEP_MS, NodeRows, WRITTEN_NODES_KEPT } from "../../src/storage/node-rows.ts";

function node(id: number, lastSeen: number): NodeRecord {
  return { nodeId: `n${id}`, firstSeen: 0, lastSeen, status: "online", statusAt: 0, continent: null, location: null, placeAt: null };
}

test("many ids that speak twice and fall silent: memory stays bounded, and every newest lastSeen is written", () => {
  const rows = new NodeRows();
  const onDisk = new Map<string, number>();
  const commit = (nodes: NodeRecord[]) => {
    for (const n of rows.select(nodes)) onDisk.set(n.nodeId, n.lastSeen);
    rows.committed();
  };
  const ids = 3 * WRITTEN_NODES_KEPT;
  for (let start = 0; start < ids; start += 1000) {
    const batch = Array.from({ length: 1000 }, (_, i) => start + i);
    commit(batch.map((i) => node(i, 1000)));
    // A second message within the step: held back, not written.
    commit(batch.map((i) => node(i, 1000 + NODE_SEEN_STEP_MS / 2)));
    expect(rows.held).toBeLessThanOrEqual(2 * WRITTEN_NODES_KEPT + 2000);
  }
  for (const n of rows.takeUnwritten()) onDisk.set(n.nodeId, n.lastSeen);
  expect(onDisk.size).toBe(ids);
  for (const seen of onDisk.values()) expect(seen).toBe(1000 + NODE_SEEN_STEP_MS / 2);
});

test("a lastSeen within the step is held back; a change of place is written at once", () => {
  const rows = new NodeRows();
  rows.select([node(1, 1000)]);
  rows.committed();
  expect(rows.select([node(1, 2000)])).toEqual([]);
  rows.committed();
  const moved = { ...node(1, 2500), location: "52.5,13.4", placeAt: 2500 };
  expect(rows.select([moved])).toEqual([moved]);
});
