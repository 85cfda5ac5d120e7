// Serves the dashboard at GET / and its embedded assets under /assets/, with a policy that allows no other origin.
import type { Hono } from "hono";
import type { MetricsSource } from "../../metrics/metrics-source.ts";
import { VERSION } from "../../version.ts";
import { dashboardAsset } from "./assets.ts";
import { renderDashboard } from "./page.ts";

export interface DashboardSource extends MetricsSource {
  readonly publishIntervalMs: number;
}

// Nothing may load from elsewhere; uPlot styles its canvases from script, which style-src does not restrict.
const POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Weak comparison (RFC 9110): compression turns the ETag weak (W/"..."), and the browser sends back that form. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  return header !== undefined && header.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}

export function mountDashboard(app: Hono, source: DashboardSource): void {
  app.get("/", (c) => {
    const html = renderDashboard({
      stats: source.lastStats(), service: source.snapshot(), version: VERSION, refreshMs: source.publishIntervalMs, now: Date.now(),
    });
    return c.html(html, 200, { "Content-Security-Policy": POLICY, "Cache-Control": "no-store" });
  });
  app.get("/assets/:name", (c) => {
    const asset = dashboardAsset(c.req.param("name"));
    if (!asset) return c.notFound();
    const headers = { "Cache-Control": "no-cache", ETag: asset.etag };
    if (matchesEtag(c.req.header("If-None-Match"), asset.etag)) return c.body(null, 304, headers);
    return c.body(asset.body, 200, { ...headers, "Content-Type": asset.contentType });
  });
}
