// The validation fast path never disagrees with the zod schemas: same verdict, same reason, same event.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { decodeMessage } from "../../src/protocol/decode.ts";
import { DATA_SCHEMAS } from "../../src/protocol/schemas.ts";
import { fastData } from "../../src/protocol/fast-path.ts";
import {
  hashFor, heartbeat, invoiceCreated, nodeIdFor, nodeJoined, nodeLeft, taskCompleted, taskReceived,
} from "../../src/simulation/monitor-messages.ts";

const NODE = nodeIdFor(7);
const VALID = [
  taskReceived(NODE, { taskIdHash: hashFor("t", 1), chainId: "1", blockNumber: 12, blockHash: `0x${"ab".repeat(32)}`, taskHash: "th", taskType: "wasm" }),
  taskCompleted(NODE, { taskIdHash: hashFor("t", 2), success: false, cached: true, status: "failed", executionTimeBucket: "1-5s", gasUsedBucket: ">100M" }),
  invoiceCreated(NODE, { invoiceIdHash: hashFor("i", 3), taskIdHash: hashFor("t", 3), chainId: "137", stepsComputedBucket: "<100K", memoryUsedBucket: ">1GB", operation: "verify" }),
  heartbeat(NODE, { continentBucket: "EU", locationBucket: "-33.9,151.2", activeTasks: 2, totalTasks: 40 }),
  nodeJoined(NODE),
  nodeLeft(NODE),
];

// Values near every rule's edge, plus arbitrary JSON.
const edgy = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(null, "", "unknown", "EU", "online", "offline", "1-5s", "<100K", "64-256MB", "2-3", "1-10", true, false,
    0, -0, -1, 1.5, 2 ** 53, 2 ** 53 - 1, 1e308, "52.5,13.5", "90.0,180.0", "90.1,0.0", "52.55,13.5",
    "A".repeat(64), "g".repeat(64), `0x${"A".repeat(64)}`, "x".repeat(256), "x".repeat(257), "1.0", "1".repeat(17),
    "2026-01-15T10:30:00Z", "2026-13-45T99:99:99Z", "node-00000000-0000-4000-8000-00000000000A"),
  fc.string({ maxLength: 300 }),
);

const DELETE = Symbol("delete");
const mutation = fc.record({
  message: fc.integer({ min: 0, max: VALID.length - 1 }),
  inData: fc.boolean(),
  key: fc.constantFrom("version", "type", "nodeId", "timestamp", "data", "taskIdHash", "chainId", "blockNumber", "blockHash",
    "taskHash", "taskType", "status", "success", "cached", "executionTimeBucket", "gasUsedBucket", "invoiceIdHash",
    "stepsComputedBucket", "memoryUsedBucket", "operation", "activeTasks", "totalTasks", "totalInvoices",
    "activeTasksBucket", "totalTasksBucket", "continentBucket", "locationBucket", "__proto__", "extra"),
  value: fc.oneof(edgy, fc.constant(DELETE)),
  crossSubject: fc.integer({ min: 0, max: 10 }),
});

test("on thousands of valid and broken messages, fast path + zod decides exactly as zod alone", () => {
  let fastAccepted = 0;
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 0, maxLength: 3 }), (mutations) => {
      const base = VALID[mutations[0]?.message ?? 0]!;
      const msg = JSON.parse(base.payload);
      for (const m of mutations) {
        const target = m.inData && typeof msg.data === "object" && msg.data !== null ? msg.data : msg;
        if (m.value === DELETE) delete target[m.key];
        else Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      }
      // Now and then on another subject, so type/subject mismatches are exercised.
      const subject = mutations[0] && mutations[0].crossSubject === 0 ? VALID[(mutations[0].message + 1) % VALID.length]!.subject : base.subject;
      const bytes = new TextEncoder().encode(JSON.stringify(msg));
      const withFast = decodeMessage(subject, bytes, 1_000);
      const zodOnly = decodeMessage(subject, bytes, 1_000, { fastPath: false });
      expect(withFast).toEqual(zodOnly);
      if (withFast.ok) fastAccepted++;
    }),
    { numRuns: 20_000, seed: 424242 },
  );
  // The property covered both verdicts, not just rejections.
  expect(fastAccepted).toBeGreaterThan(1000);
}, 60_000);

test("whatever the fast path accepts, zod accepts with the same data", () => {
  for (const m of VALID) {
    const { type, data } = JSON.parse(m.payload);
    const fast = fastData(type, data);
    const zod = DATA_SCHEMAS[type as keyof typeof DATA_SCHEMAS].safeParse(data);
    expect(fast).toBeDefined();
    expect(zod.success).toBe(true);
    expect(fast).toEqual(zod.data as Record<string, unknown>);
  }
});
