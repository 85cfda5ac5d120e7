// decodeMessage: real monitor messages pass, and every malformed one is refused with its exact reason label.
import { describe, expect, test } from "bun:test";
import { decodeMessage, MAX_MESSAGE_BYTES, type DecodeResult } from "../../src/protocol/decode.ts";
import type { InboundEvent } from "../../src/protocol/events.ts";
import {
  type OutboundMessage, hashFor, heartbeat, invoiceCreated, nodeIdFor, nodeJoined, nodeLeft, taskCompleted, taskReceived,
} from "../../src/simulation/monitor-messages.ts";

const NODE = nodeIdFor(7);
const TASK = hashFor("task", 1);
const INVOICE = hashFor("invoice", 1);
const AT = Date.UTC(2026, 0, 15, 10, 31, 17);
const BLOCK_HASH = `0x${"ab".repeat(32)}`;

const bytes = (s: string) => new TextEncoder().encode(s);

function decode(msg: OutboundMessage, at = AT): DecodeResult {
  return decodeMessage(msg.subject, bytes(msg.payload), at);
}

/** An accepted event, with `data` readable whatever its type (join/leave events carry none). */
type Decoded = InboundEvent & { data: Record<string, unknown> };

function accepted(msg: OutboundMessage, at = AT): Decoded {
  const r = decode(msg, at);
  if (!r.ok) throw new Error(`expected ${msg.subject} to be accepted, got ${r.reason}`);
  return r.event as Decoded;
}

function reason(r: DecodeResult): string {
  return r.ok ? "accepted" : r.reason;
}

/** The same message with some `data` fields replaced (or removed, with `undefined`). */
function withData(msg: OutboundMessage, patch: Record<string, unknown>): OutboundMessage {
  const o = JSON.parse(msg.payload);
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete o.data[k];
    else o.data[k] = v;
  }
  return { subject: msg.subject, payload: JSON.stringify(o) };
}

function withEnvelope(msg: OutboundMessage, patch: Record<string, unknown>): OutboundMessage {
  const o = JSON.parse(msg.payload);
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete o[k];
    else o[k] = v;
  }
  return { subject: msg.subject, payload: JSON.stringify(o) };
}

const received = () => taskReceived(NODE, { taskIdHash: TASK, chainId: "1", blockNumber: 123, blockHash: BLOCK_HASH, taskHash: "QmTask", taskType: "wasm" });
const completed = () => taskCompleted(NODE, { taskIdHash: TASK, chainId: "1", success: true, cached: true, executionTimeBucket: "1-5s", gasUsedBucket: "<100K" });
const invoice = () => invoiceCreated(NODE, { invoiceIdHash: INVOICE, taskIdHash: TASK, chainId: "1", stepsComputedBucket: "1M-10M", memoryUsedBucket: "<64MB" });
const beat = () => heartbeat(NODE, { continentBucket: "EU", locationBucket: "52.5,13.5", activeTasks: 2, totalTasks: 40, totalInvoices: 3 });

describe("the six real message types", () => {
  test("task_received keeps its fields and the broker time", () => {
    const e = accepted(received());
    expect(e).toMatchObject({
      type: "task_received", nodeId: NODE, at: AT, version: "1.0",
      data: { taskIdHash: TASK, chainId: "1", blockNumber: 123, blockHash: BLOCK_HASH, taskHash: "QmTask", taskType: "wasm" },
    });
    // The sender's timestamp (rounded down to 5 minutes) is kept apart from the arrival time.
    expect(e.sentAt % 300_000).toBe(0);
    expect(e.sentAt).not.toBe(AT);
  });

  test("task_completed", () => {
    expect(accepted(completed())).toMatchObject({
      type: "task_completed", nodeId: NODE,
      data: { taskIdHash: TASK, chainId: "1", status: "completed", success: true, cached: true, executionTimeBucket: "1-5s", gasUsedBucket: "<100K" },
    });
  });

  test("invoice_created", () => {
    expect(accepted(invoice())).toMatchObject({
      type: "invoice_created",
      data: { invoiceIdHash: INVOICE, taskIdHash: TASK, chainId: "1", stepsComputedBucket: "1M-10M", memoryUsedBucket: "<64MB", operation: "compute" },
    });
  });

  test("heartbeat", () => {
    expect(accepted(beat())).toMatchObject({
      type: "heartbeat",
      data: { status: "online", activeTasks: 2, totalTasks: 40, totalInvoices: 3, activeTasksBucket: "0", totalTasksBucket: "0", continentBucket: "EU", locationBucket: "52.5,13.5" },
    });
  });

  test("node_joined and node_left", () => {
    expect(accepted(nodeJoined(NODE))).toMatchObject({ type: "node_joined", nodeId: NODE, at: AT });
    expect(accepted(nodeLeft(NODE))).toMatchObject({ type: "node_left", nodeId: NODE, at: AT });
  });

  test("an unknown but short version is accepted and reported as is", () => {
    expect(accepted(withEnvelope(received(), { version: "2.7-beta" })).version).toBe("2.7-beta");
    expect(accepted(withEnvelope(received(), { version: "x".repeat(16) })).version).toBe("x".repeat(16));
  });
});

describe("rejections before parsing", () => {
  test("a subject that is not an inbound subject", () => {
    for (const subject of ["truebit.stats.aggregated", "truebit.tasks", "truebit.tasks.received.extra", "TRUEBIT.HEARTBEAT", "", "__proto__", "constructor", "toString"]) {
      expect(reason(decodeMessage(subject, bytes(received().payload), AT))).toBe("unknown_subject");
    }
  });

  test("more than 64 KiB is oversized, whatever the bytes, and exactly 64 KiB is not", () => {
    expect(MAX_MESSAGE_BYTES).toBe(64 * 1024);
    // Invalid UTF-8 and not JSON either: only a size check done first can name it oversized.
    const junk = new Uint8Array(MAX_MESSAGE_BYTES + 1).fill(0xff);
    expect(reason(decodeMessage("truebit.heartbeat", junk, AT))).toBe("oversized");

    const msg = beat();
    const padded = msg.payload + " ".repeat(MAX_MESSAGE_BYTES - bytes(msg.payload).byteLength);
    expect(bytes(padded).byteLength).toBe(MAX_MESSAGE_BYTES);
    expect(reason(decodeMessage(msg.subject, bytes(padded), AT))).toBe("accepted");
    expect(reason(decodeMessage(msg.subject, bytes(padded + " "), AT))).toBe("oversized");
  });

  test("bytes that are not UTF-8", () => {
    const valid = bytes(received().payload);
    const withBadByte = new Uint8Array([...valid.slice(0, 20), 0xc3, 0x28, ...valid.slice(20)]);
    // An encoded lone surrogate (CESU-8 style) is not valid UTF-8 either.
    const surrogate = new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22]);
    for (const b of [new Uint8Array([0xff, 0xfe]), withBadByte, surrogate]) {
      expect(reason(decodeMessage("truebit.tasks.received", b, AT))).toBe("not_utf8");
    }
  });

  test("text that is not JSON", () => {
    for (const s of ["", "{", "{oops", "hello", "{'version':'1.0'}", received().payload.slice(0, -1)]) {
      expect(reason(decodeMessage("truebit.tasks.received", bytes(s), AT))).toBe("not_json");
    }
  });

  test("JSON that is not an object", () => {
    for (const s of ["[]", `[${received().payload}]`, "42", "-1.5", "null", "true", '"task_received"']) {
      expect(reason(decodeMessage("truebit.tasks.received", bytes(s), AT))).toBe("not_object");
    }
  });
});

describe("envelope", () => {
  test("a type that does not belong to its subject", () => {
    expect(reason(decodeMessage("truebit.tasks.received", bytes(completed().payload), AT))).toBe("type_mismatch");
    expect(reason(decodeMessage("truebit.nodes.joined", bytes(nodeLeft(NODE).payload), AT))).toBe("type_mismatch");
    expect(reason(decodeMessage("truebit.heartbeat", bytes(received().payload), AT))).toBe("type_mismatch");
    expect(reason(decode(withEnvelope(beat(), { type: "network_stats" })))).toBe("type_mismatch");
  });

  test("a nodeId that is not node- and a lowercase UUID", () => {
    const bad = [
      NODE.toUpperCase(),
      NODE.replace(/[0-9a-f]{12}$/, "ABCDEF000000"),
      NODE.replace("node-", "nod-"),
      NODE.replace("node-", "monitor-"),
      NODE.slice("node-".length),
      `${NODE}0`,
      NODE.slice(0, -1),
      `node-${"g".repeat(8)}-0000-4000-8000-000000000000`,
      "",
    ];
    for (const nodeId of bad) expect(reason(decode(withEnvelope(received(), { nodeId })))).toBe("invalid_envelope:nodeId");
    expect(reason(decode(withEnvelope(received(), { nodeId: 42 })))).toBe("invalid_envelope:nodeId");
  });

  test("a version longer than 16 characters, empty or not a string", () => {
    for (const version of ["x".repeat(17), "", 1]) {
      expect(reason(decode(withEnvelope(received(), { version })))).toBe("invalid_envelope:version");
    }
  });

  test("a missing or unreadable timestamp", () => {
    for (const timestamp of [undefined, "yesterday", "2026-13-45T99:99:99Z", 1768473000000, `2026-01-15T10:30:00.000Z${" ".repeat(40)}`]) {
      expect(reason(decode(withEnvelope(received(), { timestamp })))).toBe("invalid_envelope:timestamp");
    }
  });

  test("data that is not an object", () => {
    for (const data of [null, [], "x", 3]) {
      expect(reason(decode(withEnvelope(received(), { data })))).toBe("invalid_envelope:data");
    }
  });
});

describe("data bounds", () => {
  const long = "x".repeat(257);
  const longest = "x".repeat(256);

  test("free strings are at most 256 characters", () => {
    const cases: [OutboundMessage, string][] = [
      [received(), "chainId"], [received(), "taskType"], [received(), "taskHash"],
      [completed(), "chainId"], [completed(), "status"], [completed(), "taskHash"],
      [invoice(), "chainId"], [invoice(), "operation"],
    ];
    for (const [msg, field] of cases) {
      expect(reason(decode(withData(msg, { [field]: long })))).toBe(`invalid_data:${field}`);
      expect(reason(decode(withData(msg, { [field]: longest })))).toBe("accepted");
    }
  });

  test("blockHash is 0x and exactly 64 hex characters", () => {
    for (const blockHash of [`0x${"a".repeat(63)}`, `0x${"a".repeat(65)}`, "a".repeat(64), `0x${"g".repeat(64)}`, `0X${"a".repeat(64)}`, "0x", 12]) {
      expect(reason(decode(withData(received(), { blockHash })))).toBe("invalid_data:blockHash");
      expect(reason(decode(withData(completed(), { blockHash })))).toBe("invalid_data:blockHash");
    }
    expect(reason(decode(withData(received(), { blockHash: `0x${"AbCdEf01".repeat(8)}` })))).toBe("accepted");
  });

  test("hashes are exactly 64 hex characters", () => {
    const bad = ["a".repeat(63), "a".repeat(65), `0x${"a".repeat(64)}`, `${"a".repeat(63)}g`, `${"a".repeat(63)} `, "", 5];
    for (const h of bad) {
      expect(reason(decode(withData(received(), { taskIdHash: h })))).toBe("invalid_data:taskIdHash");
      expect(reason(decode(withData(completed(), { taskIdHash: h })))).toBe("invalid_data:taskIdHash");
      expect(reason(decode(withData(invoice(), { invoiceIdHash: h })))).toBe("invalid_data:invoiceIdHash");
      expect(reason(decode(withData(invoice(), { taskIdHash: h })))).toBe("invalid_data:taskIdHash");
    }
    expect(reason(decode(withData(invoice(), { invoiceIdHash: undefined })))).toBe("invalid_data:invoiceIdHash");
  });

  test("counts are non-negative whole numbers within the safe range", () => {
    // 1e999 parses to Infinity: the only way JSON can carry a NaN-like number.
    const bad: unknown[] = [-1, 1.5, 0.0001, 2 ** 53, 1e300, "1", "NaN", "Infinity", true, {}, []];
    for (const n of bad) {
      expect(reason(decode(withData(received(), { blockNumber: n })))).toBe("invalid_data:blockNumber");
      for (const field of ["activeTasks", "totalTasks", "totalInvoices"]) {
        expect(reason(decode(withData(beat(), { [field]: n })))).toBe(`invalid_data:${field}`);
      }
    }
    const infinity = received().payload.replace('"blockNumber":123', '"blockNumber":1e999');
    expect(infinity).toContain("1e999");
    expect(reason(decodeMessage("truebit.tasks.received", bytes(infinity), AT))).toBe("invalid_data:blockNumber");
    // Required counts cannot be null; optional ones can.
    expect(reason(decode(withData(beat(), { activeTasks: null })))).toBe("invalid_data:activeTasks");
    expect(reason(decode(withData(beat(), { totalTasks: undefined })))).toBe("invalid_data:totalTasks");
    expect(reason(decode(withData(received(), { blockNumber: 0 })))).toBe("accepted");
    expect(reason(decode(withData(received(), { blockNumber: Number.MAX_SAFE_INTEGER })))).toBe("accepted");
  });

  test("buckets outside their closed sets", () => {
    const cases: [OutboundMessage, string, unknown][] = [
      [completed(), "executionTimeBucket", "2-3s"], [completed(), "executionTimeBucket", "1-5S"],
      [completed(), "gasUsedBucket", "huge"], [completed(), "gasUsedBucket", "<64MB"],
      [invoice(), "stepsComputedBucket", "<1K"], [invoice(), "memoryUsedBucket", "1GB"],
      [beat(), "activeTasksBucket", "6"], [beat(), "activeTasksBucket", null],
      [beat(), "totalTasksBucket", "1K+"], [beat(), "continentBucket", "EUROPE"], [beat(), "continentBucket", "eu"],
      [beat(), "status", "away"], [beat(), "status", null],
      [nodeJoined(NODE), "status", "offline"], [nodeLeft(NODE), "status", "online"],
      [completed(), "success", "true"], [completed(), "success", null], [completed(), "cached", 1],
    ];
    for (const [msg, field, value] of cases) {
      expect(`${field}=${String(value)}: ${reason(decode(withData(msg, { [field]: value })))}`).toBe(`${field}=${String(value)}: invalid_data:${field}`);
    }
  });

  test("locationBucket is lat,lon with one decimal each, within range", () => {
    const bad = ["91.0,0.0", "-90.1,0.0", "0.0,181.0", "0.0,-180.5", "52.55,13.5", "52.5,13.55", "52,13", "52.5, 13.5", "52.5,13.5,1.0", "52.5", "", "abc", "100.0,0.0"];
    for (const locationBucket of bad) {
      expect(`${locationBucket}: ${reason(decode(withData(beat(), { locationBucket })))}`).toBe(`${locationBucket}: invalid_data:locationBucket`);
    }
    for (const locationBucket of ["90.0,180.0", "-90.0,-180.0", "0.0,0.0", "-33.9,151.2"]) {
      expect(accepted(withData(beat(), { locationBucket }))).toMatchObject({ data: { locationBucket } });
    }
  });
});

describe("task ids", () => {
  test("a task with a null or missing taskIdHash cannot be deduplicated", () => {
    expect(reason(decode(taskReceived(NODE, { taskIdHash: null })))).toBe("missing_task_id");
    expect(reason(decode(taskCompleted(NODE, { taskIdHash: null, success: true })))).toBe("missing_task_id");
    expect(reason(decode(withData(received(), { taskIdHash: undefined })))).toBe("missing_task_id");
    expect(reason(decode(withData(completed(), { taskIdHash: undefined })))).toBe("missing_task_id");
  });

  test("an invoice without a task id is fine", () => {
    expect(accepted(invoiceCreated(NODE, { invoiceIdHash: INVOICE, taskIdHash: null }))).toMatchObject({ data: { invoiceIdHash: INVOICE } });
  });

  test("uppercase hex hashes become lowercase, so one task has one identity", () => {
    const upper = TASK.toUpperCase().replace(/^../, "AB");
    expect(upper).not.toBe(upper.toLowerCase());
    expect((accepted(taskReceived(NODE, { taskIdHash: upper })).data as { taskIdHash: string }).taskIdHash).toBe(upper.toLowerCase());
    expect((accepted(taskCompleted(NODE, { taskIdHash: upper, success: false })).data as { taskIdHash: string }).taskIdHash).toBe(upper.toLowerCase());
    const inv = accepted(invoiceCreated(NODE, { invoiceIdHash: INVOICE.toUpperCase(), taskIdHash: upper }));
    expect(inv.data).toMatchObject({ invoiceIdHash: INVOICE.toLowerCase(), taskIdHash: upper.toLowerCase() });
  });
});

describe("null optional fields", () => {
  test("task messages with every optional field null", () => {
    const r = accepted(taskReceived(NODE, { taskIdHash: TASK, chainId: null, blockNumber: null, blockHash: null, taskHash: null }));
    expect(r.data).toMatchObject({ taskIdHash: TASK, taskType: "unknown" });
    expect(accepted(withData(received(), { taskType: null })).data).toMatchObject({ taskType: "unknown" });

    const nulls = { chainId: null, blockNumber: null, blockHash: null, taskHash: null, status: null, cached: null, executionTimeBucket: null, gasUsedBucket: null };
    const c = accepted(withData(completed(), nulls));
    expect(c.data).toMatchObject({ taskIdHash: TASK, success: true, cached: false, executionTimeBucket: "unknown", gasUsedBucket: "unknown" });
    const d = c.data as Record<string, unknown>;
    for (const k of ["chainId", "blockNumber", "blockHash", "taskHash", "status"]) expect(d[k] ?? null).toBeNull();
  });

  test("invoice and heartbeat with optional fields null or absent", () => {
    const i = accepted(withData(invoice(), { taskIdHash: null, chainId: null, stepsComputedBucket: null, memoryUsedBucket: null, operation: null }));
    expect(i.data).toMatchObject({ invoiceIdHash: INVOICE, stepsComputedBucket: "unknown", memoryUsedBucket: "unknown", operation: "compute" });
    const h = accepted(withData(beat(), { continentBucket: null, locationBucket: null }));
    expect(h.data).toMatchObject({ status: "online" });
    expect((h.data as Record<string, unknown>).continentBucket ?? null).toBeNull();
    expect(accepted(withData(beat(), { continentBucket: undefined, locationBucket: undefined })).type).toBe("heartbeat");
    expect(accepted(withData(nodeJoined(NODE), { status: null })).type).toBe("node_joined");
    expect(accepted(withData(nodeLeft(NODE), { status: undefined })).type).toBe("node_left");
  });
});

describe("hostile keys", () => {
  const envelopeText = (data: string) =>
    `{"version":"1.0","type":"task_received","nodeId":"${NODE}","timestamp":"2026-01-15T10:30:00.000Z","data":${data}}`;

  test("a task id hidden under __proto__ is not picked up", () => {
    const r = decodeMessage("truebit.tasks.received", bytes(envelopeText(`{"__proto__":{"taskIdHash":"${TASK}"}}`)), AT);
    expect(reason(r)).toBe("missing_task_id");
  });

  test("__proto__ and constructor keys neither leak into the event nor pollute Object.prototype", () => {
    const data = `{"taskIdHash":"${TASK}","__proto__":{"chainId":"evil","polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}`;
    const e = accepted({ subject: "truebit.tasks.received", payload: envelopeText(data) });
    expect(e.data).toMatchObject({ taskIdHash: TASK, taskType: "unknown" });
    expect((e.data as Record<string, unknown>).chainId).toBeUndefined();
    expect((e.data as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(e.data)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).chainId).toBeUndefined();
  });

  test("an envelope field hidden under __proto__ does not count", () => {
    const text = `{"__proto__":{"type":"task_received","nodeId":"${NODE}"},"version":"1.0","timestamp":"2026-01-15T10:30:00.000Z","data":{"taskIdHash":"${TASK}"}}`;
    expect(reason(decodeMessage("truebit.tasks.received", bytes(text), AT))).toStartWith("invalid_envelope:");
    expect(({} as Record<string, unknown>).type).toBeUndefined();
  });
});
