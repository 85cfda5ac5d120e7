// Turns one raw NATS message into a validated event, or a named rejection reason.
import type { InboundEvent } from "./events.ts";
import { DATA_SCHEMAS, envelopeSchema } from "./schemas.ts";
import { INBOUND_SUBJECTS, isInboundSubject } from "./subjects.ts";

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

export function decodeMessage(subject: string, payload: Uint8Array, at: number): DecodeResult {
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

  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) return reject(`invalid_envelope:${fieldOf(envelope.error.issues)}`);
  const { version, type, nodeId, timestamp, data } = envelope.data;
  if (type !== INBOUND_SUBJECTS[subject]) return reject("type_mismatch");

  const base = { nodeId, at, sentAt: Date.parse(timestamp), version };
  const parsed = DATA_SCHEMAS[type].safeParse(data);
  if (!parsed.success) {
    return reject(`invalid_data:${fieldOf(parsed.error.issues)}`);
  }

  switch (type) {
    case "task_received":
    case "task_completed": {
      const d = parsed.data as { taskIdHash?: string | null };
      if (d.taskIdHash == null) return reject("missing_task_id");
      // Hex case is not identity: normalise so "AB.." and "ab.." are one task.
      const taskIdHash = d.taskIdHash.toLowerCase();
      return { ok: true, event: { ...base, type, data: { ...(parsed.data as object), taskIdHash } } as InboundEvent };
    }
    case "invoice_created": {
      const d = parsed.data as { invoiceIdHash: string; taskIdHash?: string };
      return {
        ok: true,
        event: { ...base, type, data: { ...d, invoiceIdHash: d.invoiceIdHash.toLowerCase(), taskIdHash: d.taskIdHash?.toLowerCase() } } as InboundEvent,
      };
    }
    case "heartbeat":
      return { ok: true, event: { ...base, type, data: parsed.data } as InboundEvent };
    case "node_joined":
    case "node_left":
      return { ok: true, event: { ...base, type } };
  }
}
