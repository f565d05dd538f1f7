import { readFileSync } from "node:fs";
import openapiTS, { astToString } from "openapi-typescript";
import { describe, expect, it } from "vitest";
import { createPrunelabClient, expectOk, ProblemError } from "../../src/client/index.js";
import { useHttpHarness } from "../http/harness.js";

describe("typed client", () => {
  it("is generated from the current openapi.yaml (run `npm run client:generate` after editing it)", async () => {
    const generated = astToString(await openapiTS(new URL("../../openapi.yaml", import.meta.url)));
    const committed = readFileSync(new URL("../../src/client/schema.d.ts", import.meta.url), "utf8");
    const body = (text: string) => text.slice(text.indexOf("export interface paths"));
    expect(body(committed).trim()).toBe(body(generated).trim());
  });

  const { appWith } = useHttpHarness();
  const clientFor = () => {
    const app = appWith();
    return createPrunelabClient("http://prunelab.test", { fetch: (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      const headers: Record<string, string> = {};
      request.headers.forEach((value, key) => (headers[key] = value));
      const { pathname, search } = new URL(request.url);
      return request.text().then((body) => app.request(pathname + search, { method: request.method, headers, ...(body ? { body } : {}) }));
    } });
  };

  it("submits, reads and lists runs with typed bodies, and surfaces problems", async () => {
    const client = clientFor();
    const run = expectOk(await client.POST("/v1/runs", { body: { spec: { seed: 5, pruning: { sparsity: 0.25 } } } }));
    expect(run.spec.pruning).toMatchObject({ density: 0.75 });
    const fetched = expectOk(await client.GET("/v1/runs/{hash}", { params: { path: { hash: run.hash } } }));
    expect(fetched.hash).toBe(run.hash);
    expect(expectOk(await client.GET("/v1/runs", { params: { query: { limit: 5 } } })).items).toHaveLength(1);
    const bad = await client.POST("/v1/runs", { body: { spec: { model: { width: 0 } } } });
    expect(() => expectOk(bad)).toThrow(ProblemError);
    expect(bad.error?.errors?.[0]?.path).toBe("/spec/model/width");
  });
});
