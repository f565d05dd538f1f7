import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
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
