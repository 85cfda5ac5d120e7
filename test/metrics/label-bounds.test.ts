// Label values of /metrics come from closed sets: every reason the decoder names is listed, and free-form keys are capped.
import { describe, expect, test } from "bun:test";
import { decodeMessage } from "../../src/protocol/decode.ts";
import {
  boundedDistribution, boundedReasons, CLOSED_BUCKETS, INVALID_REASONS, MAX_FREE_LABELS, OVERFLOW_LABEL,
} from "../../src/metrics/label-bounds.ts";
import { malformedMessages, nearLimitMessages } from "../security/malformed-messages.ts";

describe("reason labels", () => {
  test("every reason the decoder gives for thousands of malformed messages is in the closed set", () => {
    const seen = new Set<string>();
    for (const m of [...malformedMessages(3000, 12), ...nearLimitMessages()]) {
      const payload = typeof m.payload === "string" ? new TextEncoder().encode(m.payload) : m.payload;
      const r = decodeMessage(m.subject, payload, Date.now());
      if (!r.ok) seen.add(r.reason);
    }
    expect(seen.size).toBeGreaterThan(15);
    expect([...seen].filter((r) => !INVALID_REASONS.has(r))).toEqual([]);
  });

  test("a reason outside the set is counted as \"other\", never as itself", () => {
    const out = boundedReasons({ not_json: 2, "invented:x": 3, "invented:y": 4 }, INVALID_REASONS);
    expect(Object.fromEntries(out)).toEqual({ not_json: 2, [OVERFLOW_LABEL]: 7 });
  });
});

describe("distribution labels", () => {
  test("free-form keys: the largest ones pass, the rest is one \"other\" with the exact sum", () => {
    const dist = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`chain-${i}`, i + 1]));
    const out = boundedDistribution(dist);
    expect(out.size).toBe(MAX_FREE_LABELS + 1);
    expect(out.get("chain-499")).toBe(500);
    expect([...out.values()].reduce((s, n) => s + n, 0)).toBe((500 * 501) / 2);
  });

  test("closed bucket sets keep their labels and fold anything else into \"other\"", () => {
    const out = boundedDistribution({ "1-5s": 3, "<100ms": 1, forged: 9 }, CLOSED_BUCKETS.executionTimeDistribution);
    expect(Object.fromEntries(out)).toEqual({ "1-5s": 3, "<100ms": 1, other: 9 });
  });
});
