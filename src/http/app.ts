// The Hono app behind the health endpoint: liveness, readiness with reasons, ingest metrics, last stats.
import { Hono } from "hono";

export interface Readiness {
  ready: boolean;
  reasons: string[];
  [detail: string]: unknown;
}

/** What the HTTP layer may ask of the running service; nothing here exposes configuration or secrets. */
export interface HealthSource {
  readiness(now: number): Readiness;
  metrics(): Record<string, unknown>;
  lastStats(): unknown;
}

export function createHttpApp(source: HealthSource): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", (c) => {
    const r = source.readiness(Date.now());
    return c.json(r, r.ready ? 200 : 503);
  });
  app.get("/metrics", (c) => c.json(source.metrics()));
  app.get("/stats", (c) => {
    const s = source.lastStats();
    return s ? c.json(s) : c.json({ error: "nothing published yet" }, 404);
  });
  app.notFound((c) => c.json({ error: "not found", endpoints: ["/healthz", "/readyz", "/metrics", "/stats"] }, 404));
  app.onError((err, c) => c.json({ error: "internal error" }, 500));
  return app;
}
