// The dashboard in Debian's headless Chromium: no request leaves the origin, the figures are in the text, charts are drawn, and it follows new publishes.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { AggregatorProcess, tempDir } from "../helpers/aggregator-process.ts";
import { TestBrowser } from "../helpers/browser.ts";
import { FederationClient } from "../helpers/federation-client.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";
import { EXPECTED, PHASE_1, PHASE_2 } from "../helpers/scripted-federation.ts";
import { waitFor } from "../helpers/wait.ts";
import { hashFor, nodeIdFor, taskReceived } from "../../src/simulation/monitor-messages.ts";

setDefaultTimeout(90_000);

/** The series colours of the four charts (dashboard.client.js): a drawn line leaves pixels of its colour. */
const SERIES_COLOURS: Record<string, [number, number, number]> = {
  "active-nodes": [0x25, 0x63, 0xeb],
  "new-tasks": [0x0d, 0x94, 0x88],
  "success-rate": [0x16, 0xa3, 0x4a],
  "cache-hit-rate": [0xd9, 0x77, 0x06],
};

let nats: TestNatsServer;
let client: FederationClient;
let service: AggregatorProcess;

beforeAll(async () => {
  nats = await TestNatsServer.start();
  client = await FederationClient.connect(nats.url);
  service = await AggregatorProcess.start({
    env: { NATS_URL: nats.url, DB_PATH: join(tempDir(), "agg.db"), PUBLISH_INTERVAL: "500", INGEST_MODE: "core" },
  });
  await service.waitReady();
});
afterAll(async () => {
  expect(await service?.stop("SIGTERM")).toBe(0);
  await client?.close();
  await nats?.dispose();
});

describe("GET /", () => {
  test("without JavaScript: the current figures and the service's health are in the HTML", async () => {
    await client.publish(PHASE_1);
    const stats = await client.nextStats((m) => m.data.totalTasks === 4);
    const page = await waitFor("the page to show the published totals", async () => {
      const r = await service.http("/");
      return r.text.includes(`data-figure="totalTasks">${stats.data.totalTasks}<`) ? r : undefined;
    });
    expect(page.status).toBe(200);
    expect(page.text).toContain(`data-figure="activeNodes">${stats.data.activeNodes}<`);
    expect(page.text).toMatch(/<span>Role<\/span><b>single \([\w.-]+\)<\/b>/);
    expect(page.text).toMatch(/<span>NATS<\/span><b>connected/);
    expect(page.text).toMatch(/<span>Storage<\/span><b>writable<\/b>/);
    expect(page.text).toContain("<title>TrueBit Federation");
    // Places: the two continents of phase 1, drawn on the map and named in the legend.
    expect(page.text).toContain("<title>Europe: 2 active nodes</title>");
    expect(page.text).toContain(`class="count"`);
    expect(page.text).toContain("<li><span>North America</span><b>1</b></li>");
  });

  test("in Chromium: same-origin only, figures as text, drawn charts, new figures after the next publish without a reload", async () => {
    const origin = `http://127.0.0.1:${service.httpPort}`;
    const browser = await TestBrowser.launch();
    try {
      const { page } = browser;
      const shown = (key: string) => page.locator(`[data-figure="${key}"]`).innerText();
      const before = client.latest!;
      await page.goto(`${origin}/`);
      expect(await shown("totalTasks")).toBe(String(before.data.totalTasks));
      expect(await shown("activeNodes")).toBe(String(before.data.activeNodes));

      // A mark on the window survives only if the page is never reloaded.
      await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
      await client.publish(PHASE_2);
      await client.nextStats((m) => m.data.totalTasks === EXPECTED.totalTasks && m.data.activeNodes === EXPECTED.activeNodes);
      await waitFor("the page to show the new totals", async () => (await shown("totalTasks")) === String(EXPECTED.totalTasks), 15_000, 100);
      await waitFor("the page to show the new active nodes", async () => (await shown("activeNodes")) === String(EXPECTED.activeNodes), 15_000, 100);
      expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

      // Every chart has pixels of its own series colour: a line or bars were drawn, not only axes.
      const drawn = async () => page.evaluate((colours) => {
        const out: Record<string, number> = {};
        for (const [id, [r, g, b]] of Object.entries(colours)) {
          const canvas = document.querySelector<HTMLCanvasElement>(`#chart-${id} canvas`);
          const ctx = canvas?.getContext("2d");
          if (!canvas || !ctx || canvas.width === 0) { out[id] = 0; continue; }
          const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          let n = 0;
          for (let i = 0; i < px.length; i += 4) {
            if (px[i + 3]! > 200 && Math.abs(px[i]! - r) < 40 && Math.abs(px[i + 1]! - g) < 40 && Math.abs(px[i + 2]! - b) < 40) n++;
          }
          out[id] = n;
        }
        return out;
      }, SERIES_COLOURS);
      const pixels = await waitFor("every chart to be drawn", async () => {
        const p = await drawn();
        return Object.values(p).every((n) => n > 30) ? p : undefined;
      }, 15_000, 200);
      expect(Object.keys(pixels).sort()).toEqual(Object.keys(SERIES_COLOURS).sort());

      // The distributions and the map follow too.
      expect(await page.locator(".dists").innerText()).toContain("wasm");
      expect(await page.locator(".world circle.place").count()).toBeGreaterThanOrEqual(2);

      const shot = join(tempDir("dashboard-shot-"), "dashboard.png");
      await page.screenshot({ path: shot, fullPage: true });
      if (process.env.DASHBOARD_SCREENSHOT_COPY) copyFileSync(shot, process.env.DASHBOARD_SCREENSHOT_COPY);

      expect(browser.requests.length).toBeGreaterThan(5);
      const elsewhere = browser.requests.filter((r) => new URL(r.url).origin !== origin);
      expect(elsewhere).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  test("values senders choose (chain ids, task types) are shown as text, never as markup", async () => {
    const hostile = `<img src=x onerror="alert(1)">`;
    await client.publish([taskReceived(nodeIdFor(0xf00), { taskIdHash: hashFor("hostile", 1), chainId: `</script>${hostile}`, taskType: hostile })]);
    await client.nextStats((m) => m.data.totalTasks === EXPECTED.totalTasks + 1);
    const page = await waitFor("the page to list the new task type", async () => {
      const r = await service.http("/");
      return r.text.includes("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;") ? r.text : undefined;
    });
    expect(page).not.toContain(hostile);
    expect(page).not.toContain("</script><img");
  });

  test("assets come from the service itself, revalidated by ETag", async () => {
    for (const name of ["uPlot.iife.min.js", "uPlot.min.css", "dashboard.js", "dashboard.css", "favicon.svg"]) {
      const res = await fetch(`http://127.0.0.1:${service.httpPort}/assets/${name}`);
      expect([name, res.status]).toEqual([name, 200]);
      expect((await res.text()).length).toBeGreaterThan(100);
      const again = await fetch(`http://127.0.0.1:${service.httpPort}/assets/${name}`, { headers: { "If-None-Match": res.headers.get("etag")! } });
      expect(again.status).toBe(304);
    }
    expect((await service.http("/assets/constructor")).status).toBe(404);
    const page = await fetch(`http://127.0.0.1:${service.httpPort}/`);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
  });
});
