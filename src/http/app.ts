// The Hono app: liveness, readiness with reasons, Prometheus metrics, the JSON status, last stats, their history, and the dashboard.
import { Hono, type Context } from "hono";
import { compress } from "hono/compress";
import type { MetricsSource } from "../metrics/metrics-source.ts";
import type { HistoryAnswer, HistoryRange } from "../storage/history-query.ts";
import { mountDashboard } from "./dashboard/routes.ts";
import { parseHistoryParams } from "./history-params.ts";

export interface Readiness {
  ready: boolean;
  reasons: string[];
  [detail: string]: unknown;
}

/** What the HTTP layer may ask of the running service; nothing here exposes configuration or secrets. */
export interface HealthSource extends MetricsSource {
  readiness(now: number): Readiness;
  /** The JSON view of ingest counts, backlog and memory (GET /api/status). */
  status(): Record<string, unknown>;
  history(range: HistoryRange): HistoryAnswer;
  /** The dashboard refreshes itself this often. */
  readonly publishIntervalMs: number;
}

/** The Prometheus text of one scrape. */
export interface MetricsExposition {
  readonly contentType: string;
  exposition(): Promise<string>;
}

const ENDPOINTS = ["/", "/healthz", "/readyz", "/metrics", "/api/status", "/api/stats", "/stats", "/api/history"];

export function createHttpApp(source: HealthSource, metrics: MetricsExposition): Hono {
  const app = new Hono();
  // History and the dashboard's script are text that shrinks five- to tenfold; clients that ask get gzip.
  app.use(compress());
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", (c) => {
    const r = source.readiness(Date.now());
    return c.json(r, r.ready ? 200 : 503);
  });
  app.get("/metrics", async (c) => c.body(await metrics.exposition(), 200, { "Content-Type": metrics.contentType }));
  app.get("/api/status", (c) => c.json(source.status()));
  const stats = (c: Context) => {
    const s = source.lastStats();
    return s ? c.json(s) : c.json({ error: "nothing published yet" }, 404);
  };
  app.get("/api/stats", (c) => stats(c));
  app.get("/stats", (c) => stats(c));
  app.get("/api/history", (c) => {
    const params = parseHistoryParams((name) => c.req.query(name), Date.now());
    if (!params.ok) return c.json({ error: params.error }, 400);
    const { from, to, points } = params.range;
    return c.json({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), maxPoints: points, ...source.history(params.range) });
  });
  mountDashboard(app, source);
  app.notFound((c) => c.json({ error: "not found", endpoints: ENDPOINTS }, 404));
  app.onError((err, c) => c.json({ error: "internal error" }, 500));
  return app;
}
