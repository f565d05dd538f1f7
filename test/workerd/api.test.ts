import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { fetchWorker } from "./fetch-worker.js";

/**
 * The Worker end to end inside workerd, on a real PostgreSQL server through the Neon driver:
 * submit → 202 → the queue consumer trains → GET returns the succeeded run, then the Cache API
 * serves it without the database.
 */
describe("the Worker with its queue, database and cache", () => {
  const call = fetchWorker;
  const submit = (spec: unknown, headers: Record<string, string> = {}) =>
    call(new Request("http://prunelab.test/v1/runs", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ spec }) }));
  const spec = { seed: 9, data: { patchDim: 24, trainSize: 16, testSize: 16 }, model: { width: 6 }, training: { steps: 40, evalEvery: 10 } };

  it("trains an edge run from the queue, then serves it from the cache without the database", async () => {
    const submitted = await submit(spec);
    expect(submitted.status).toBe(202);
    const { hash, placement } = await submitted.json();
    expect(placement).toBe("edge");

    let run: { status: string; result: { curve: unknown[] } | null; provenance: { executor: string; engine: { backend: string } } | null } | undefined;
    for (let i = 0; i < 120; i++) {
      const response = await call(new Request(`http://prunelab.test/v1/runs/${hash}`));
      run = await response.json();
      if (run!.status === "succeeded" || run!.status === "failed") break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(run!.status).toBe("succeeded");
    expect(run!.result!.curve).toHaveLength(5);
    expect(run!.provenance).toMatchObject({ executor: "edge", engine: { backend: "wasm", simd: true } });

    const again = await submit(spec);
    expect(again.status).toBe(200); // known and succeeded: answered at once

    const url = `http://prunelab.test/v1/runs/${hash}`;
    const first = await call(new Request(url)); // stored in the Cache API by this read
    expect(first.headers.get("cache-control")).toContain("immutable");
    const unreachable = { ...env, WS_PROXY: "127.0.0.1:9/v2" }; // nothing listens there
    const uncached = await call(new Request(`http://prunelab.test/v1/runs/${"0".repeat(64)}`), unreachable);
    expect(uncached.status).toBeGreaterThanOrEqual(500); // this env really cannot reach a database
    const cached = await call(new Request(url), unreachable);
    expect(cached.status).toBe(200);
    expect((await cached.json()).result).toEqual(run!.result);
    // the Cache API copy keeps its tags, so a purge by tag reaches it (docs/decisions/008)
    expect(first.headers.get("cache-tag")?.split(",")).toContain(hash);
    expect(cached.headers.get("cache-tag")).toBe(first.headers.get("cache-tag"));

    const notModified = await call(new Request(url, { headers: { "if-none-match": `"${hash}"` } }), unreachable);
    expect(notModified.status).toBe(304);

    // the run's chart and page, rendered in workerd from the stored result, then served from the cache
    for (const path of [`/v1/runs/${hash}/chart.svg`, `/view/runs/${hash}`]) {
      const rendered = await call(new Request(`http://prunelab.test${path}`));
      expect(rendered.status).toBe(200);
      expect(rendered.headers.get("cache-control")).toContain("immutable");
      const body = await rendered.text();
      expect(body).toContain("<svg");
      const again = await call(new Request(`http://prunelab.test${path}?another-key=1`), unreachable); // a query is not a new cache key
      expect(again.status).toBe(200);
      expect(await again.text()).toBe(body);
      expect(again.headers.get("cache-tag")).toBe(rendered.headers.get("cache-tag"));
    }

    // an operator purges the result by its hash: the Worker's cache no longer answers for it
    const token = "workerd-admin-token-0123";
    const purged = await call(
      new Request("http://prunelab.test/v1/cache/purge", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ tags: [hash] }) }),
      { ...env, ADMIN_TOKEN: token } as typeof env,
    );
    expect(purged.status).toBe(200);
    expect((await purged.json()).cacheApiEntries).toBeGreaterThanOrEqual(3); // the run, its chart.svg and its page
    expect((await call(new Request(url), unreachable)).status).toBe(503); // now the database is asked, and cannot answer
  });
});
