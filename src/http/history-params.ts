// Parses /api/history's query (from, to, points) into a range, or a message that names the bad parameter.
import type { HistoryRange } from "../storage/history-query.ts";

const DEFAULT_HISTORY_POINTS = 500;
const MAX_HISTORY_POINTS = 5000;
const DEFAULT_SPAN_MS = 24 * 60 * 60 * 1000;
const MAX_PARAM_LENGTH = 64;

export type HistoryParams = { ok: true; range: HistoryRange } | { ok: false; error: string };

/** ISO-8601 date-time or epoch milliseconds (digits only), else why not. */
function instant(name: string, raw: string): number | string {
  if (raw.length > MAX_PARAM_LENGTH) return `${name}: longer than ${MAX_PARAM_LENGTH} characters; expected an ISO-8601 date-time or epoch milliseconds`;
  const ms = /^\d{1,15}$/.test(raw) ? Number(raw) : /^\d{4}-\d{2}-\d{2}/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(ms)) return `${name}: ${JSON.stringify(raw)} is not an ISO-8601 date-time or epoch milliseconds`;
  return ms;
}

export function parseHistoryParams(query: (name: string) => string | undefined, now: number): HistoryParams {
  const rawTo = query("to");
  const to = rawTo === undefined || rawTo === "" ? now : instant("to", rawTo);
  if (typeof to === "string") return { ok: false, error: to };
  const rawFrom = query("from");
  const from = rawFrom === undefined || rawFrom === "" ? to - DEFAULT_SPAN_MS : instant("from", rawFrom);
  if (typeof from === "string") return { ok: false, error: from };
  if (from > to) return { ok: false, error: `from: ${new Date(from).toISOString()} is after to (${new Date(to).toISOString()})` };

  const rawPoints = query("points");
  let points = DEFAULT_HISTORY_POINTS;
  if (rawPoints !== undefined && rawPoints !== "") {
    if (!/^\d{1,6}$/.test(rawPoints) || Number(rawPoints) < 1 || Number(rawPoints) > MAX_HISTORY_POINTS) {
      return { ok: false, error: `points: ${JSON.stringify(rawPoints.slice(0, MAX_PARAM_LENGTH))} is not a whole number from 1 to ${MAX_HISTORY_POINTS}` };
    }
    points = Number(rawPoints);
  }
  return { ok: true, range: { from, to, points } };
}
