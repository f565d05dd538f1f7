import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { fetchWorker } from "./fetch-worker.js";

/** The Worker starting while its database cannot be reached: a true 503 with Retry-After, never "schema behind". */
describe("the Worker without its database", () => {
  it("answers 503 database_unavailable with Retry-After to reads and writes", async () => {
    const down = { ...env, WS_PROXY: "127.0.0.1:9/v2" }; // nothing listens there: every connection fails
    for (const request of [
      new Request(`http://prunelab.test/v1/runs/${"a".repeat(64)}`),
      new Request("http://prunelab.test/v1/runs", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ spec: { seed: 77 } }) }),
    ]) {
      const response = await fetchWorker(request, down);
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(await response.json()).toMatchObject({ type: "/problems/database_unavailable" });
    }
  });
});
