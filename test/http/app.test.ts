import { describe, expect, it } from "vitest";
import { createRunStore } from "../../src/store/index.js";
import { GOLDEN_HASHES } from "../fixtures/golden.js";
import { PROVENANCE, RESULT } from "../store/suite.js";
import { postJson as json, useHttpHarness } from "./harness.js";

describe("HTTP API (app.request, PGlite)", () => {
  const { appWith, countRuns, woken, db } = useHttpHarness();

  it("hashes a spec without side effects", async () => {
    const app = appWith();
    for (const golden of GOLDEN_HASHES) {
      const response = await app.request("/v1/specs/hash", json(golden.input));
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body.hash).toBe(golden.hash);
      expect(body.spec.version).toBe(1);
    }
    expect(await countRuns()).toBe(0);
  });

  it("submits a run (202, Location), serves it, and caches it forever once succeeded", async () => {
    const app = appWith();
    const submitted = await app.request("/v1/runs", json({ spec: { pruning: { sparsity: 0.5 } } }));
    expect(submitted.status).toBe(202);
    const view = await submitted.json();
    expect(submitted.headers.get("location")).toBe(`/v1/runs/${view.hash}`);
    expect(view).toMatchObject({ status: "queued", placement: "edge", result: null });
    expect(view.spec.pruning.density).toBe(0.5);
    expect(woken).toEqual([view.hash]);

    const again = await app.request("/v1/runs", json({ spec: { pruning: { density: 0.5 } } }));
    expect(again.status).toBe(202);
    expect((await again.json()).hash).toBe(view.hash);
    expect(woken).toHaveLength(1); // a known hash creates no second job
    expect(await countRuns()).toBe(1);

    const pending = await app.request(`/v1/runs/${view.hash}`);
    expect(pending.headers.get("cache-control")).toBe("no-store");

    const store = createRunStore(db());
    const [lease] = await store.claim({ placement: "edge", holder: "test", max: 1, leaseMs: 60_000 });
    await store.complete({ hash: view.hash, leaseId: lease!.leaseId, result: RESULT, provenance: PROVENANCE });
    const done = await app.request(`/v1/runs/${view.hash}`);
    expect(done.status).toBe(200);
    expect(done.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(done.headers.get("etag")).toBe(`"${view.hash}"`);
    expect((await done.json()).result).toEqual(RESULT);
    const notModified = await app.request(`/v1/runs/${view.hash}`, { headers: { "if-none-match": `"${view.hash}"` } });
    expect(notModified.status).toBe(304);
    expect((await app.request("/v1/runs", json({ spec: { pruning: { sparsity: 0.5 } } }))).status).toBe(200);
  });

  it("holds a submit for Prefer: wait=N until the run is final, and says so", async () => {
    const app = appWith();
    const spec = { seed: 42 };
    const pending = app.request("/v1/runs", json({ spec }, { prefer: "respond-async, wait=5" }));
    // finish the job while the request waits
    const store = createRunStore(db());
    let lease;
    for (let i = 0; i < 50 && !lease; i++) {
      [lease] = await store.claim({ placement: "edge", holder: "t", max: 1, leaseMs: 60_000 });
      if (!lease) await new Promise((r) => setTimeout(r, 20));
    }
    await store.complete({ hash: lease!.hash, leaseId: lease!.leaseId, result: RESULT, provenance: PROVENANCE });
    const response = await pending;
    expect(response.status).toBe(200);
    expect(response.headers.get("preference-applied")).toBe("wait=5");
    expect((await response.json()).status).toBe("succeeded");
    const noWait = await app.request("/v1/runs", json({ spec: { seed: 43 } }, { prefer: "wait=0" }));
    expect(noWait.status).toBe(202);
    expect(noWait.headers.get("preference-applied")).toBeNull();
  });

  it("places large runs on runners and refuses to force them onto the edge", async () => {
    const app = appWith({ EDGE_MAX_MACS: "1e9" });
    const big = { spec: { training: { steps: 1000 } } };
    const auto = await (await app.request("/v1/runs", json(big))).json();
    expect(auto.placement).toBe("runner");
    expect(woken).toEqual([]);
    const forced = await app.request("/v1/runs", json({ ...big, options: { placement: "edge" } }));
    expect(forced.status).toBe(422);
    expect((await forced.json()).errors).toEqual([expect.objectContaining({ path: "/options/placement" })]);
  });

  it("retries and cancels only from the right states", async () => {
    const app = appWith();
    const { hash } = await (await app.request("/v1/runs", json({ spec: { seed: 3 } }))).json();
    expect((await app.request(`/v1/runs/${hash}/retry`, { method: "POST" })).status).toBe(409);
    const canceled = await app.request(`/v1/runs/${hash}/cancel`, { method: "POST" });
    expect((await canceled.json()).status).toBe("canceled");
    expect((await (await app.request(`/v1/runs/${hash}/retry`, { method: "POST" })).json()).status).toBe("queued");
    expect((await app.request(`/v1/runs/${"f".repeat(64)}/cancel`, { method: "POST" })).status).toBe(404);
  });

  it("lists runs newest first with a cursor", async () => {
    const app = appWith();
    for (const seed of [1, 2, 3]) await app.request("/v1/runs", json({ spec: { seed } }));
    const first = await (await app.request("/v1/runs?limit=2")).json();
    expect(first.items).toHaveLength(2);
    const rest = await (await app.request(`/v1/runs?limit=2&cursor=${first.nextCursor}`)).json();
    expect(rest).toMatchObject({ nextCursor: null });
    expect(rest.items).toHaveLength(1);
  });

  it("serves its OpenAPI document and a reference rendered from it (test/http/reference.test.ts)", async () => {
    const document = await appWith().request("/openapi.yaml");
    expect(document.headers.get("content-type")).toContain("application/yaml");
    expect(await document.text()).toContain("openapi: 3.1.0");
    const docs = await (await appWith().request("/docs")).text();
    expect(docs).toContain('href="/openapi.yaml"');
  });

  it("serves presets and problem pages", async () => {
    const app = appWith();
    const presets = await (await app.request("/v1/presets")).json();
    expect(presets.map((p: { name: string }) => p.name)).toContain("paper-5.1");
    expect((await app.request("/v1/presets/paper-5.1")).status).toBe(200);
    expect((await app.request("/v1/presets/nope")).status).toBe(404);
    const page = await app.request("/problems/validation_failed");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("422");
  });

  const keyed = { API_KEYS: "k-one,k-two" };
  const badInputs: [string, Record<string, string>, () => RequestInit & { path?: string }, number, string, string?][] = [
    ["malformed JSON", {}, () => ({ method: "POST", headers: { "content-type": "application/json" }, body: "{ spec: " }), 400, "malformed_json"],
    ["wrong content type", {}, () => ({ method: "POST", headers: { "content-type": "text/plain" }, body: "{}" }), 415, "unsupported_media_type"],
    ["oversized body", { MAX_BODY_BYTES: "1000" }, () => json({ spec: {}, pad: "x".repeat(5000) }), 413, "payload_too_large"],
    ["unknown field in the spec", {}, () => json({ spec: { data: { colour: "red" } } }), 422, "validation_failed", "/spec/data/colour"],
    ["unknown field in the body", {}, () => json({ spec: {}, priority: 1 }), 422, "validation_failed", "/priority"],
    ["out-of-range number", {}, () => json({ spec: { model: { width: 0 } } }), 422, "validation_failed", "/spec/model/width"],
    ["a spec over the edge budget forced to edge", { EDGE_MAX_MACS: "1000" }, () => json({ spec: {}, options: { placement: "edge" } }), 422, "over_budget", "/options/placement"],
    ["unknown hash", {}, () => ({ method: "GET", path: `/v1/runs/${"e".repeat(64)}` }), 404, "not_found"],
    ["bad hash format", {}, () => ({ method: "GET", path: "/v1/runs/XYZ" }), 400, "bad_request", "/hash"],
    ["bad list query", {}, () => ({ method: "GET", path: "/v1/runs?limit=1000" }), 400, "invalid_query", "/limit"],
    ["bad cursor", {}, () => ({ method: "GET", path: "/v1/runs?cursor=zzz" }), 400, "bad_request", "/cursor"],
    ["missing API key", keyed, () => json({ spec: {} }), 401, "unauthorized"],
    ["wrong API key", keyed, () => json({ spec: {} }, { authorization: "Bearer nope" }), 401, "unauthorized"],
    ["unknown endpoint", {}, () => ({ method: "GET", path: "/v2/everything" }), 404, "not_found"],
    ["wrong runner token", { RUNNER_TOKEN: "the-right-runner-token" }, () => ({ ...json({ runnerId: "r" }, { authorization: "Bearer the-wrong-token!!" }), path: "/v1/runner/lease" }), 401, "unauthorized"],
    ["a runner call while runners are closed", {}, () => ({ ...json({ runnerId: "r" }), path: "/v1/runner/lease" }), 403, "forbidden"],
  ];

  it.each(badInputs)("answers %s with its problem and writes nothing", async (_, env, init, status, code, path) => {
    const { path: url = "/v1/runs", ...request } = init();
    const response = await appWith(env).request(url, request);
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const problem = await response.json();
    expect(problem).toMatchObject({ type: `/problems/${code}`, status });
    expect(problem.title.length).toBeGreaterThan(0);
    if (path !== undefined) expect(problem.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(await countRuns()).toBe(0);
  });

  it("refuses submissions past the queued cap with 429 and Retry-After, and writes nothing", async () => {
    const app = appWith({ QUEUED_CAP: "1" });
    expect((await app.request("/v1/runs", json({ spec: { seed: 1 } }))).status).toBe(202);
    const refused = await app.request("/v1/runs", json({ spec: { seed: 2 } }));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("30");
    expect((await refused.json()).type).toBe("/problems/too_many_queued");
    expect(await countRuns()).toBe(1);
  });

  it("accepts a configured API key", async () => {
    const response = await appWith(keyed).request("/v1/runs", json({ spec: {} }, { authorization: "Bearer k-two" }));
    expect(response.status).toBe(202);
  });
});
