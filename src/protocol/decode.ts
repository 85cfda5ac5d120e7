// Turns one raw NATS message into a validated event, or a named rejection reason.
import type { InboundEvent } from "./events.ts";
import { DATA_SCHEMAS, envelopeSchema } from "./schemas.ts";
import { fastData, fastEnvelope } from "./fast-path.ts";
import { INBOUND_SUBJECTS, isInboundSubject, type InboundType } from "./subjects.ts";

/**
 * A real monitor message is under 2 KiB (every free string is capped at 256 characters);
 * anything above this is refused before it is decoded or parsed.
 */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export type DecodeResult =
  | { ok: true; event: InboundEvent }
  | { ok: false; reason: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });

function reject(reason: string): DecodeResult {
  return { ok: false, reason };
}

/** First failing field of a zod error, as a stable, bounded reason label. */
function fieldOf(issues: readonly { path: readonly PropertyKey[] }[]): string {
  const path = issues[0]?.path ?? [];
  return path.length === 0 ? "(root)" : String(path[0]);
}

/** `fastPath: false` decides with zod alone: the reference the fast path is tested against. */
export function decodeMessage(subject: string, payload: Uint8Array, at: number, opts: { fastPath?: boolean } = {}): DecodeResult {
  if (!isInboundSubject(subject)) return reject("unknown_subject");
  // Size first, so an oversized payload is never decoded or parsed.
  if (payload.byteLength > MAX_MESSAGE_BYTES) return reject("oversized");

  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return reject("not_utf8");
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return reject("not_json");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return reject("not_object");

  // The common case, valid messages, without zod; fastData answers only what zod would accept.
  const fast = opts.fastPath === false ? undefined : fastEnvelope(raw as Record<string, unknown>);
  if (fast && fast.type === INBOUND_SUBJECTS[subject]) {
    const data = fastData(fast.type, fast.data);
    if (data) return toEvent(fast.type, { nodeId: fast.nodeId, at, sentAt: Date.parse(fast.timestamp), version: fast.version }, data);
  }

  // The zod schemas are the reference: they decide every other message and name its reason.
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) return reject(`invalid_envelope:${fieldOf(envelope.error.issues)}`);
  const { version, type, nodeId, timestamp, data } = envelope.data;
  if (type !== INBOUND_SUBJECTS[subject]) return reject("type_mismatch");

  const parsed = DATA_SCHEMAS[type].safeParse(data);
  if (!parsed.success) return reject(`invalid_data:${fieldOf(parsed.error.issues)}`);
  return toEvent(type, { nodeId, at, sentAt: Date.parse(timestamp), version }, parsed.data);
}

type EventBase = Pick<InboundEvent, "nodeId" | "at" | "sentAt" | "version">;

/** The event for validated data; a task without an id is valid on the wire but cannot be deduplicated. */
function toEvent(type: InboundType, base: EventBase, validated: object): DecodeResult {
  switch (type) {
    case "task_received":
    case "task_completed": {
      const d = validated as { taskIdHash?: string | null };
      if (d.taskIdHash == null) return reject("missing_task_id");
      // Hex case is not identity: normalise so "AB.." and "ab.." are one task.
      const taskIdHash = d.taskIdHash.toLowerCase();
      return { ok: true, event: { ...base, type, data: { ...validated, taskIdHash } } as InboundEvent };
    }
    case "invoice_created": {
      const d = validated as { invoiceIdHash: string; taskIdHash?: string };
      return {
        ok: true,
        event: { ...base, type, data: { ...d, invoiceIdHash: d.invoiceIdHash.toLowerCase(), taskIdHash: d.taskIdHash?.toLowerCase() } } as InboundEvent,
      };
    }
    case "heartbeat":
      return { ok: true, event: { ...base, type, data: validated } as InboundEvent };
    case "node_joined":
    case "node_left":
      return { ok: true, event: { ...base, type } };
  }
}
