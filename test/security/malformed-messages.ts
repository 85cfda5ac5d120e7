// Generates inbound messages that are invalid by construction: a valid monitor message with exactly one thing broken.
import fc from "fast-check";
import {
  type OutboundMessage, hashFor, heartbeat, invoiceCreated, nodeJoined, nodeLeft, taskCompleted, taskReceived,
} from "../../src/simulation/monitor-messages.ts";
import type { InboundSubject } from "../../src/protocol/subjects.ts";
import { NODE_A, NODE_B, NODE_C } from "../helpers/scripted-federation.ts";

export interface Malformed {
  subject: InboundSubject;
  payload: string | Uint8Array;
  /** What was broken, for the report and for diagnosing a message the service accepted. */
  kind: string;
}

// Bucket labels as PROTOCOL.md lists them, written out here so the generator does not trust the code under test.
const EXECUTION_TIME = ["unknown", "<100ms", "100-500ms", "500ms-1s", "1-5s", "5-10s", "10-30s", "30s-1m", ">1m"];
const GAS_OR_STEPS = ["unknown", "<100K", "100K-1M", "1M-10M", "10M-100M", ">100M"];
const MEMORY = ["unknown", "<64MB", "64-256MB", "256MB-1GB", ">1GB"];
const ACTIVE_TASKS = ["0", "1", "2-3", "4-5", ">5"];
const TOTAL_TASKS = ["0", "1-10", "10-50", "50-100", "100-500", "500-1K", ">1K"];
const CONTINENTS = ["AF", "AN", "AS", "EU", "NA", "OC", "SA"];
const TYPES: Record<InboundSubject, string> = {
  "truebit.tasks.received": "task_received",
  "truebit.tasks.completed": "task_completed",
  "truebit.invoices.created": "invoice_created",
  "truebit.heartbeat": "heartbeat",
  "truebit.nodes.joined": "node_joined",
  "truebit.nodes.left": "node_left",
};
export const SUBJECTS = Object.keys(TYPES) as InboundSubject[];

/** JSON text placed verbatim where a value would go: things JSON.stringify cannot write (NaN, 1e400, 10,000 nested arrays). */
class Raw {
  constructor(readonly text: string) {}
}

function serialize(value: unknown): string {
  const raws: string[] = [];
  const json = JSON.stringify(value, (_k, v) => {
    if (v instanceof Raw) {
      raws.push(v.text);
      return `@@RAW${raws.length - 1}@@`;
    }
    return v;
  });
  return json.replace(/"@@RAW(\d+)@@"/g, (_m, i) => raws[Number(i)]!);
}

// ---- values known to be wrong for one kind of field -------------------------------------------------

const deepArrays = fc.integer({ min: 1000, max: 10_000 }).map((d) => new Raw("[".repeat(d) + "]".repeat(d)));
const deepObjects = fc.integer({ min: 1000, max: 10_000 }).map((d) => new Raw('{"a":'.repeat(d) + "1" + "}".repeat(d)));
// Objects that would pollute a prototype if someone merged them naively.
const protoObjects = fc.constantFrom<unknown>(
  new Raw('{"__proto__":{"polluted":true,"isAdmin":true}}'),
  new Raw('{"constructor":{"prototype":{"polluted":true}}}'),
  new Raw('{"__proto__":null}'),
);
const anyString = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: "binary", maxLength: 40 }));
const anyArray = fc.array(fc.oneof(fc.integer(), anyString, fc.boolean()), { maxLength: 5 });
const anyObject = fc.dictionary(anyString, fc.oneof(fc.integer(), anyString), { maxKeys: 4 });
const finiteNumber = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));

type JsonKind = "string" | "number" | "boolean";

/** A value of any JSON type except `kind` (and except null when null is allowed). */
function wrongType(kind: JsonKind, nullAllowed: boolean): fc.Arbitrary<unknown> {
  const options: fc.Arbitrary<unknown>[] = [anyArray, anyObject, protoObjects, deepArrays, deepObjects];
  if (kind !== "string") options.push(anyString);
  if (kind !== "number") options.push(finiteNumber);
  if (kind !== "boolean") options.push(fc.boolean());
  if (!nullAllowed) options.push(fc.constant(null));
  return fc.oneof(...options);
}

function longString(min: number, max = 4000): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ minLength: min, maxLength: max }),
    fc.string({ unit: "grapheme", minLength: min, maxLength: Math.min(max, min + 200) }),
    fc.integer({ min, max: 100_000 }).map((n) => "x".repeat(n)),
  );
}

const HEX = "0123456789abcdef";
const hex = (min: number, max: number) => fc.array(fc.constantFrom(...HEX), { minLength: min, maxLength: max }).map((a) => a.join(""));
const hex64 = hex(64, 64);

const badHash = fc.oneof(
  fc.oneof(hex(0, 63), hex(65, 130)),
  // Exactly 64 characters with one that is not hex.
  fc.tuple(hex64, fc.integer({ min: 0, max: 63 }), fc.constantFrom("g", "z", "G", " ", "-", "é", "\u0000", "\n"))
    .map(([h, i, c]) => h.slice(0, i) + c + h.slice(i + 1)),
  hex64.map((h) => `0x${h}`),
  hex64.map((h) => `${h}\n`),
);

const badCount = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: -1 }),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x)),
  fc.double({ min: 2 ** 53, max: 1e300, noNaN: true }),
  fc.constantFrom(new Raw("1e400"), new Raw("-1e400"), new Raw("9007199254740993"), new Raw("123456789012345678901234567890")),
  fc.integer({ min: 0, max: 1000 }).map(String),
);

/** Strings outside a closed set (case changes, padding, empty, other labels) or not strings at all. */
function badLabel(labels: string[], nullAllowed: boolean): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(...labels).chain((l) => fc.constantFrom(l.toUpperCase(), l.toLowerCase(), ` ${l}`, `${l} `, `${l}${l}`)).filter((s) => !labels.includes(s)),
    anyString.filter((s) => !labels.includes(s)),
    longString(257),
    wrongType("string", nullAllowed),
  );
}

const badLocation = fc.oneof(
  fc.integer({ min: 901, max: 999 }).map((t) => `${t / 10},13.5`), // latitude above 90
  fc.integer({ min: 1801, max: 9999 }).map((t) => `52.5,-${t / 10}`), // longitude below -180
  fc.constantFrom("52.50,13.5", "52,13", "52.5", "52.5;13.5", "52.5, 13.5", "", "NaN,NaN", "1e1,2.0", "52.5,13.5\n"),
  longString(17),
  wrongType("string", true),
);

const badBlockHash = fc.oneof(hex(0, 63).map((h) => `0x${h}`), hex(65, 100).map((h) => `0x${h}`), hex64, hex64.map((h) => `0X${h}`), wrongType("string", true));

interface FieldRule {
  required: boolean;
  bad: fc.Arbitrary<unknown>;
}

const text: FieldRule = { required: false, bad: fc.oneof(longString(257), wrongType("string", true)) };
const taskId: FieldRule = { required: true, bad: fc.oneof(badHash, fc.constant(null), wrongType("string", true)) };
const taskRef: Record<string, FieldRule> = {
  taskIdHash: taskId,
  chainId: text,
  blockNumber: { required: false, bad: fc.oneof(badCount, wrongType("number", true)) },
  blockHash: { required: false, bad: badBlockHash },
  taskHash: text,
};
const count: FieldRule = { required: true, bad: fc.oneof(badCount, wrongType("number", false)) };

/** Per message type: each data field, whether leaving it out breaks the message, and values that break it. */
const DATA_RULES: Record<string, Record<string, FieldRule>> = {
  task_received: { ...taskRef, taskType: text },
  task_completed: {
    ...taskRef,
    status: text,
    success: { required: true, bad: wrongType("boolean", false) },
    cached: { required: false, bad: wrongType("boolean", true) },
    executionTimeBucket: { required: false, bad: badLabel(EXECUTION_TIME, true) },
    gasUsedBucket: { required: false, bad: badLabel(GAS_OR_STEPS, true) },
  },
  invoice_created: {
    invoiceIdHash: { required: true, bad: fc.oneof(badHash, wrongType("string", false)) },
    // Null is a legal invoice taskIdHash: only a malformed one breaks the message.
    taskIdHash: { required: false, bad: fc.oneof(badHash, wrongType("string", true)) },
    chainId: text,
    stepsComputedBucket: { required: false, bad: badLabel(GAS_OR_STEPS, true) },
    memoryUsedBucket: { required: false, bad: badLabel(MEMORY, true) },
    operation: text,
  },
  heartbeat: {
    status: { required: true, bad: badLabel(["online", "offline"], false) },
    activeTasks: count,
    totalTasks: count,
    totalInvoices: count,
    activeTasksBucket: { required: true, bad: badLabel(ACTIVE_TASKS, false) },
    totalTasksBucket: { required: true, bad: badLabel(TOTAL_TASKS, false) },
    continentBucket: { required: false, bad: badLabel(CONTINENTS, true) },
    locationBucket: { required: false, bad: badLocation },
  },
  node_joined: { status: { required: false, bad: badLabel(["online"], true) } },
  node_left: { status: { required: false, bad: badLabel(["offline"], true) } },
};

const badNodeId = (nodeId: string) => fc.oneof(
  fc.constantFrom(
    nodeId.toUpperCase(), nodeId.replace("node-", "Node-"), nodeId.replace("node-", ""), nodeId.replace(/-/g, ""),
    `${nodeId}0`, nodeId.slice(0, -1), `${nodeId}\n`, ` ${nodeId}`, `node-${nodeId}`, "",
  ),
  fc.tuple(fc.integer({ min: 5, max: nodeId.length - 1 }), fc.constantFrom("g", "G", "_", "é", "\u0000")).map(([i, c]) => nodeId.slice(0, i) + c + nodeId.slice(i + 1)),
  longString(42),
  wrongType("string", false),
);

const badTimestamp = fc.oneof(
  fc.constantFrom("", "yesterday", "2026-01-15", "1700000000000", "2026/01/15 10:30:00", "T10:30:00Z", "2026-01-15 10:30:00Z", "not-a-dateT"),
  longString(41),
  wrongType("string", false),
);

const ENVELOPE_RULES = (subject: InboundSubject, nodeId: string): Record<string, fc.Arbitrary<unknown>> => ({
  version: fc.oneof(fc.constant(""), longString(17, 400), wrongType("string", false)),
  type: fc.oneof(fc.constantFrom(...Object.values(TYPES)).filter((t) => t !== TYPES[subject]), anyString.filter((t) => t !== TYPES[subject]), wrongType("string", false)),
  nodeId: badNodeId(nodeId),
  timestamp: badTimestamp,
  data: fc.oneof(anyArray, anyString, finiteNumber, fc.boolean(), fc.constant(null), deepArrays),
});

// Tokens that look like numbers to a human but are not JSON.
const notJsonNumbers = fc.constantFrom("NaN", "Infinity", "-Infinity", "+1", "01", "0x10", ".5", "1.", "-", "undefined");

const INVALID_UTF8 = [[0xff], [0xfe], [0xc0, 0x80], [0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf5, 0x80, 0x80, 0x80], [0xf0, 0x9f, 0x98]];

/** Valid messages of every type, fields filled in so that each can be broken. */
export function validBases(): OutboundMessage[] {
  const taskIdHash = hashFor("fuzz", 1);
  const block = { chainId: "1", blockNumber: 19_000_000, blockHash: `0x${"ab".repeat(32)}`, taskHash: "QmTaskHash" };
  return [
    taskReceived(NODE_A, { taskIdHash, ...block, taskType: "wasm" }),
    taskCompleted(NODE_B, { taskIdHash, ...block, status: "completed", success: true, cached: true, executionTimeBucket: "1-5s", gasUsedBucket: "<100K" }),
    invoiceCreated(NODE_A, { invoiceIdHash: hashFor("fuzzinv", 1), taskIdHash, chainId: "1", stepsComputedBucket: "1M-10M", memoryUsedBucket: "<64MB", operation: "compute" }),
    heartbeat(NODE_A, { continentBucket: "EU", locationBucket: "52.5,13.5", activeTasks: 2, totalTasks: 40, totalInvoices: 7, activeTasksBucket: "2-3", totalTasksBucket: "10-50" }),
    nodeJoined(NODE_B),
    nodeLeft(NODE_C),
  ];
}

type Envelope = Record<string, unknown> & { data: Record<string, unknown> };

/** Every way to break one valid message, as an arbitrary of malformed messages. */
function breakOne(base: OutboundMessage): fc.Arbitrary<Malformed> {
  const { subject } = base;
  const parsed = (): Envelope => JSON.parse(base.payload);
  const type = TYPES[subject];
  const rules = DATA_RULES[type]!;
  const out = (kind: string, payload: string | Uint8Array): Malformed => ({ subject, payload, kind });
  const fields = Object.keys(rules);
  const required = fields.filter((f) => rules[f]!.required);
  const envelopeRules = ENVELOPE_RULES(subject, parsed().nodeId as string);

  const byteLevel = fc.oneof(
    fc.integer({ min: 0, max: base.payload.length - 1 }).map((k) => out("not_json:truncated", base.payload.slice(0, k))),
    fc.constantFrom("}", "{}", "x", ",", "\u0000", "]").map((tail) => out("not_json:trailing", base.payload + tail)),
    // Not a byte order mark: RFC 8259 lets parsers ignore one, so a BOM does not make a message invalid.
    fc.constantFrom("/*c*/", "//\n", "x", "\u0000", ")]}'\n").map((head) => out("not_json:leading", head + base.payload)),
    fc.constant(out("not_json:single_quotes", base.payload.replaceAll('"', "'"))),
    fc.constant(out("not_json:two_objects", base.payload + base.payload)),
    fc.constantFrom("", " ", "\n", "null\u0000").map((p) => out("not_json:empty", p)),
    // A random text or byte string this short cannot hold a whole valid message (a nodeId alone is 41 characters).
    fc.string({ unit: "binary", maxLength: 100 }).map((s) => out("garbage_text", s)),
    fc.uint8Array({ maxLength: 100 }).map((b) => out("garbage_bytes", b)),
  );

  const notObject = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }).filter((v) => v === null || typeof v !== "object" || Array.isArray(v)).map((v) => out("not_object:json", JSON.stringify(v))),
    fc.constant(out("not_object:array_wrapped", `[${base.payload}]`)),
    fc.constant(out("not_object:double_encoded", JSON.stringify(base.payload))),
  );

  const rawTokens = fc.tuple(fc.constantFrom("envelope", "data"), fc.constantFrom(...Object.keys(parsed()), ...fields, "extra"), notJsonNumbers).map(([where, key, token]) => {
    const m = parsed();
    if (where === "data") m.data[key] = new Raw(token);
    else m[key] = new Raw(token);
    return out(`not_json:${token}`, serialize(m));
  });

  const invalidUtf8 = fc.tuple(fc.integer({ min: 0, max: base.payload.length }), fc.constantFrom(...INVALID_UTF8)).map(([at, bytes]) => {
    const b = new TextEncoder().encode(base.payload);
    return out("not_utf8", new Uint8Array([...b.subarray(0, at), ...bytes, ...b.subarray(at)]));
  });

  const envelope = fc.oneof(
    fc.constantFrom(...Object.keys(envelopeRules)).map((k) => {
      const m = parsed();
      delete m[k];
      return out(`missing:${k}`, JSON.stringify(m));
    }),
    fc.constantFrom(...Object.keys(envelopeRules)).chain((k) => envelopeRules[k]!.map((v) => {
      const m = parsed();
      m[k] = v;
      return out(`bad_envelope:${k}`, serialize(m));
    })),
    // All fields hidden behind a key that a naive merge would treat as the prototype.
    fc.constantFrom("__proto__", "constructor").map((key) => out(`hoisted:${key}`, `{"${key}":${base.payload}}`)),
  );

  const dataOptions: fc.Arbitrary<Malformed>[] = [
    fc.constantFrom(...fields).chain((f) => rules[f]!.bad.map((v) => {
      const m = parsed();
      m.data[f] = v;
      return out(`bad_data:${f}`, serialize(m));
    })),
  ];
  if (required.length > 0) {
    dataOptions.push(fc.constantFrom(...required).map((f) => {
      const m = parsed();
      delete m.data[f];
      return out(`missing_data:${f}`, JSON.stringify(m));
    }));
    // The data's fields hidden under "__proto__": its own properties then lack a required one.
    dataOptions.push(fc.constantFrom("__proto__", "constructor").map((key) => {
      const m = parsed();
      const data = JSON.stringify(m.data);
      m.data = {};
      return out(`hoisted_data:${key}`, serialize({ ...m, data: new Raw(`{"${key}":${data}}`) }));
    }));
  }
  if (type === "task_received" || type === "task_completed") {
    dataOptions.push(fc.constant(out("null_task_id", serialize({ ...parsed(), data: { ...parsed().data, taskIdHash: null } }))));
  }

  // The same valid message on a subject that carries another type.
  const wrongSubject = fc.constantFrom(...SUBJECTS.filter((s) => s !== subject)).map((s) => ({ subject: s, payload: base.payload, kind: "wrong_subject" }));

  return fc.oneof(
    { arbitrary: byteLevel, weight: 3 },
    { arbitrary: notObject, weight: 1 },
    { arbitrary: rawTokens, weight: 1 },
    { arbitrary: invalidUtf8, weight: 1 },
    { arbitrary: envelope, weight: 4 },
    { arbitrary: fc.oneof(...dataOptions), weight: 6 },
    { arbitrary: wrongSubject, weight: 1 },
  );
}

/** `n` malformed messages, the same ones for the same seed. */
export function malformedMessages(n: number, seed: number): Malformed[] {
  const arb = fc.constantFrom(...validBases()).chain(breakOne);
  return fc.sample(arb, { numRuns: n, seed });
}

/**
 * One message per subject just under nats-server's 1 MB max_payload, each invalid in one way:
 * a string field far past its bound, or a megabyte of something that is not a message.
 */
export function nearLimitMessages(maxPayload = 1024 * 1024): Malformed[] {
  const bases = validBases();
  const room = (m: object) => maxPayload - 512 - JSON.stringify(m).length;
  const out: Malformed[] = [];
  for (const base of bases) {
    const m = JSON.parse(base.payload) as Envelope;
    const field = "chainId" in m.data ? "chainId" : null;
    if (field) m.data[field] = "c".repeat(room(m));
    else m.version = "v".repeat(room(m));
    out.push({ subject: base.subject, payload: JSON.stringify(m), kind: field ? "near_limit:chainId" : "near_limit:version" });
  }
  out.push({ subject: "truebit.heartbeat", payload: "[".repeat(maxPayload - 1024), kind: "near_limit:unclosed_arrays" });
  // Well-formed JSON half a million arrays deep, where a string belongs.
  const deep = JSON.parse(bases[0]!.payload) as Envelope;
  const depth = Math.floor(room(deep) / 2);
  deep.data.chainId = new Raw("[".repeat(depth) + "]".repeat(depth));
  out.push({ subject: bases[0]!.subject, payload: serialize(deep), kind: "near_limit:deep_arrays" });
  out.push({ subject: "truebit.tasks.received", payload: new Uint8Array(maxPayload - 1024).fill(0xff), kind: "near_limit:not_utf8" });
  return out;
}
