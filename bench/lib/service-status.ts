// Reads a running aggregator's JSON counters: /api/status now, /metrics on 0.1.0 (the --baseline-tree runs).
import type { AggregatorProcess } from "../../test/helpers/aggregator-process.ts";

export async function serviceStatus(svc: AggregatorProcess): Promise<any> {
  const current = await svc.http("/api/status");
  if (current.status === 200) return current.body;
  return (await svc.http("/metrics")).body;
}
