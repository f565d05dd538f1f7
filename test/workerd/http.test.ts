import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { GOLDEN_HASHES } from "../fixtures/golden.js";

/** The Worker itself, inside workerd: Hono, validation and hashing need no database. */
describe("the Worker's HTTP API inside workerd", () => {
  const worker = (exports as unknown as { default: { fetch(request: Request): Promise<Response> } }).default;

  it("answers /healthz", async () => {
    const response = await worker.fetch(new Request("http://prunelab.test/healthz"));
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("serves openapi.yaml, bundled as text", async () => {
    const response = await worker.fetch(new Request("http://prunelab.test/openapi.yaml"));
    expect(await response.text()).toMatch(/^openapi: 3\.1\.0/);
  });

  it("renders the API reference at /docs inside the Worker, from the bundled openapi.yaml, with no script", async () => {
    const document = parse(await (await worker.fetch(new Request("http://prunelab.test/openapi.yaml"))).text()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    };
    const response = await worker.fetch(new Request("http://prunelab.test/docs"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const page = await response.text();
    expect(page).not.toMatch(/<script/i);
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of Object.keys(item).filter((key) => ["get", "post", "put", "patch", "delete"].includes(key))) {
        expect(page).toContain(`${method.toUpperCase()}</span> ${path}</code>`);
      }
    }
    for (const name of Object.keys(document.components.schemas)) expect(page).toContain(`id="schema-${name}"`);
    expect(page).toContain('href="/problems/validation_failed"');
  });

  it.each(GOLDEN_HASHES)("hashes $name as Node does", async ({ input, hash }) => {
    const response = await worker.fetch(
      new Request("http://prunelab.test/v1/specs/hash", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(input) }),
    );
    expect(response.status).toBe(200);
    expect((await response.json()).hash).toBe(hash);
  });

  it("answers a bad spec with problem+json and its field path", async () => {
    const response = await worker.fetch(
      new Request("http://prunelab.test/v1/specs/hash", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ data: { patchDim: -1 } }) }),
    );
    expect(response.status).toBe(422);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect((await response.json()).errors).toEqual([expect.objectContaining({ path: "/data/patchDim" })]);
  });
});
