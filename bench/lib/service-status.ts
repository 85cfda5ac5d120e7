// Reads a running aggregator's JSON counters: /api/status now, /metrics on 0.1.0 (the --baseline-tree runs).
import type { AggregatorProcess } from "../../test/helpers/aggregator-process.ts";

export async function serviceStatus(svc: AggregatorProcess): Promise<any> {
  const current = await svc.http("/api/status");
  if (current.status === 200) return current.body;
  return (await svc.http("/metrics")).body;
}

/** One kind of collection the service asked for between batches: how many, and their time in all. */
function collectionPart(count: unknown, ms: unknown, kind: string): string {
  return typeof count === "number" ? `${count} ${kind} (${Math.round(Number(ms))} ms)` : `no ${kind} ones in this tree`;
}

/** The full and young collections the service asked for between batches, from its /api/status answer, as a note. */
export function collectionsLine(status: any): string {
  const mem = status?.memory ?? {};
  return `collections between batches: ${collectionPart(mem.heapTrims, mem.heapTrimMs, "full")}, ${collectionPart(mem.youngCollections, mem.youngCollectionMs, "young")}`;
}
