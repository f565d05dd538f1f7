import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";

/** Headless Chromium for the tests that look at pages as a browser shows them (Debian's `chromium`, or PRUNELAB_CHROMIUM). */
export const CHROMIUM = process.env.PRUNELAB_CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Launches Chromium before the enclosing suite and closes it after; the returned function gives the browser. */
export function useChromium(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`headless Chromium is needed at ${CHROMIUM} (apt-get install chromium, or set PRUNELAB_CHROMIUM)`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error("Chromium is not running: call useChromium() inside the describe that uses it");
    return browser;
  };
}

/** Answers a page's requests to `origin` with an in-process app (headers, the CSP included), so a browser can look at it without a server. */
export async function routeToApp(page: Page, origin: string, app: () => { request(path: string): Response | Promise<Response> }): Promise<void> {
  await page.route(`${origin}/**`, async (route) => {
    const response = await app().request(route.request().url().slice(origin.length));
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    await route.fulfill({ status: response.status, headers, body: Buffer.from(await response.arrayBuffer()) });
  });
}
