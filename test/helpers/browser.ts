// Debian's headless Chromium driven by playwright-core, with a fresh profile and a record of every request the page makes.
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { tempDir } from "./aggregator-process.ts";

export const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";

export interface RecordedRequest {
  url: string;
  /** Bytes received for the response body, once it finished (playwright's own count). */
  bodyBytes?: number;
  headerBytes?: number;
}

export class TestBrowser {
  readonly requests: RecordedRequest[] = [];

  private constructor(private readonly context: BrowserContext, readonly page: Page) {}

  /** Fails with the way out when chromium is missing: the dashboard tests must not pass by not running. */
  static async launch(viewport = { width: 1360, height: 1000 }): Promise<TestBrowser> {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium; .ci/run does) or set CHROMIUM_BIN`);
    const context = await chromium.launchPersistentContext(tempDir("chromium-profile-"), {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
      viewport,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const browser = new TestBrowser(context, page);
    context.on("request", (req) => {
      const entry: RecordedRequest = { url: req.url() };
      browser.requests.push(entry);
      req.response().then(async (res) => {
        if (!res) return;
        await res.finished();
        const sizes = await req.sizes();
        entry.bodyBytes = sizes.responseBodySize;
        entry.headerBytes = sizes.responseHeadersSize;
      }).catch(() => undefined);
    });
    return browser;
  }

  close(): Promise<void> {
    return this.context.close();
  }
}

export type { Browser };
