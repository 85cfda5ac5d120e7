// The dashboard's static files, imported as text so `bun build --compile` (and the Node bundle) carry them inside.
import uplotScript from "uplot/dist/uPlot.iife.min.js" with { type: "text" };
import uplotStyle from "uplot/dist/uPlot.min.css" with { type: "text" };
import dashboardScript from "./dashboard.client.js" with { type: "text" };
import dashboardStyle from "./dashboard.css" with { type: "text" };
import favicon from "./favicon.svg" with { type: "text" };
import { createHash } from "node:crypto";

export interface Asset {
  body: string;
  contentType: string;
  /** A hash of the body: a browser revalidates and gets 304 until a new build changes the file. */
  etag: string;
}

function asset(body: string, contentType: string): Asset {
  return { body, contentType, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"` };
}

const ASSETS: ReadonlyMap<string, Asset> = new Map([
  ["uPlot.iife.min.js", asset(uplotScript, "text/javascript; charset=utf-8")],
  ["uPlot.min.css", asset(uplotStyle, "text/css; charset=utf-8")],
  ["dashboard.js", asset(dashboardScript, "text/javascript; charset=utf-8")],
  ["dashboard.css", asset(dashboardStyle, "text/css; charset=utf-8")],
  ["favicon.svg", asset(favicon, "image/svg+xml")],
]);

export function dashboardAsset(name: string): Asset | undefined {
  return ASSETS.get(name);
}
