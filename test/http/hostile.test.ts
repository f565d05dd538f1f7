import { describe, expect, it } from "vitest";
import { preferredWaitSeconds } from "../../src/http/submit.js";
import { postJson, useHttpHarness } from "./harness.js";

const TOKEN = "runner-token-0123456789";
const auth = { authorization: `Bearer ${TOKEN}` };

/** Inputs that once answered 500, 200 or the wrong thing; each row is a defect that stays fixed. */
describe("hostile and odd input", () => {
  const { appWith, countRuns } = useHttpHarness();
  const app = () => appWith({ RUNNER_TOKEN: TOKEN, LEASE_MIN_SECONDS: "1" });
  const leaseOne = async () => {
    const hash = (await (await app().request("/v1/runs", postJson({ spec: { seed: 5 }, options: { placement: "runner" } }))).json()).hash as string;
    const { jobs } = await (await app().request("/v1/runner/lease", postJson({ runnerId: "r1" }, auth))).json();
    return { hash, leaseId: jobs[0].leaseId as string };
  };

  it.each(["constructor", "__proto__", "toString", "hasOwnProperty"])("has no problem type named %s", async (code) => {
    const response = await app().request(`/problems/${code}`);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
  });

  it("answers 401 with WWW-Authenticate, for API keys and for the runner token", async () => {
    const keyed = await appWith({ API_KEYS: "k-1,k-2" }).request("/v1/runs", postJson({ spec: {} }, { authorization: "Bearer k-3" }));
    expect(keyed.status).toBe(401);
    expect(keyed.headers.get("www-authenticate")).toBe('Bearer realm="prunelab"');
    expect((await appWith({ API_KEYS: "k-1,k-2" }).request("/v1/runs", postJson({ spec: {} }, { authorization: "Bearer k-2" }))).status).toBe(202);
    const runner = await app().request("/v1/runner/lease", postJson({ runnerId: "r1" }, { authorization: `Bearer ${TOKEN}x` }));
    expect(runner.status).toBe(401);
    expect(runner.headers.get("www-authenticate")).toBe('Bearer realm="prunelab"');
    expect(await countRuns()).toBe(1);
  });

  it("refuses a heartbeat step past the largest exact JSON integer with 422, not 500; 2³¹ and beyond are stored", async () => {
    const { hash, leaseId } = await leaseOne();
    const response = await app().request(`/v1/runner/jobs/${hash}/heartbeat`, postJson({ leaseId, step: Number.MAX_SAFE_INTEGER + 1 }, auth));
    expect(response.status).toBe(422);
    expect((await response.json()).errors[0].path).toBe("/step");
    expect((await app().request(`/v1/runner/jobs/${hash}/heartbeat`, postJson({ leaseId, step: 2 ** 31 }, auth))).status).toBe(200);
    expect((await app().request(`/v1/runner/jobs/${hash}/heartbeat`, postJson({ leaseId, step: Number.MAX_SAFE_INTEGER }, auth))).status).toBe(200);
    expect((await (await app().request(`/v1/runs/${hash}`)).json()).progress).toEqual({ step: Number.MAX_SAFE_INTEGER });
  });

  it("refuses NUL in a runner id with 422, and stores a failure whose message holds one", async () => {
    const refused = await app().request("/v1/runner/lease", postJson({ runnerId: "r\u0000" }, auth));
    expect(refused.status).toBe(422);
    expect((await refused.json()).errors[0]).toMatchObject({ path: "/runnerId", message: expect.stringContaining("NUL") });
    const { hash, leaseId } = await leaseOne();
    const failed = await app().request(`/v1/runner/jobs/${hash}/fail`, postJson({ leaseId, error: { code: "training_failed", message: "bad\u0000byte" }, retryable: false }, auth));
    expect(failed.status).toBe(200);
    expect((await (await app().request(`/v1/runs/${hash}`)).json()).error).toMatchObject({ message: "bad\uFFFDbyte" });
  });

  it("answers If-None-Match with 304 only for a run that exists and has succeeded", async () => {
    const unknown = "e".repeat(64);
    for (const path of [`/v1/runs/${unknown}`, `/v1/runs/${unknown}/chart.svg`, `/view/runs/${unknown}`, `/v1/sweeps/${unknown}`]) {
      const etag = path.endsWith(".svg") ? `"${unknown}.chart.svg"` : path.startsWith("/view") ? `"${unknown}.view"` : `"${unknown}"`;
      expect((await app().request(path, { headers: { "if-none-match": etag } })).status).toBe(404);
    }
    const { hash } = await leaseOne(); // running
    const running = await app().request(`/v1/runs/${hash}`, { headers: { "if-none-match": `"${hash}"` } });
    expect(running.status).toBe(200);
    expect(running.headers.get("cache-control")).toBe("no-store");
  });

  it("marks every answer nosniff, errors included", async () => {
    for (const path of ["/healthz", "/v1/runs/nothex", "/no/such/path"]) {
      expect((await app().request(path)).headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  it.each([
    ["wait=5", 5],
    ["wait=1e3", 60],
    ["wait=90", 60],
    ["wait=2.5", 3],
    ['wait="7"', 7],
    ["respond-async, wait=10", 10],
    ["wait=abc", 0],
    ["wait=-3", 0],
    ["wait=", 0],
    ["handling=lenient; wait=3", 0], // `wait` here is a parameter of `handling`, not a preference
    [undefined, 0],
  ] as const)("reads Prefer: %s as %i seconds", (header, seconds) => {
    expect(preferredWaitSeconds(header)).toBe(seconds);
  });
});

describe("purging cached representations", () => {
  const { appWith } = useHttpHarness();
  const ADMIN = "admin-token-0123456789";
  const purge = (body: unknown, token?: string, env: Record<string, string> = { ADMIN_TOKEN: ADMIN }) =>
    appWith(env).request("/v1/cache/purge", postJson(body, token ? { authorization: `Bearer ${token}` } : {}));

  it("is closed without an admin token, and refuses a wrong one", async () => {
    expect((await purge({ tags: ["v3"] }, ADMIN, {})).status).toBe(403);
    const wrong = await purge({ tags: ["v3"] }, `${ADMIN}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toBe('Bearer realm="prunelab"');
  });

  it.each([[{ tags: [] }], [{ tags: ["a,b"] }], [{ tags: ["has space"] }], [{ tags: ["x".repeat(1025)] }], [{ tag: ["v3"] }]])("refuses %j with 422", async (body) => {
    expect((await purge(body, ADMIN)).status).toBe(422);
  });

  it("answers what each layer did; without a Worker there is no cache to purge", async () => {
    const response = await purge({ tags: ["v3", "e".repeat(64), "run.chart.svg"] }, ADMIN);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ tags: ["v3", "e".repeat(64), "run.chart.svg"], workersCache: "unavailable", cacheApiEntries: 0, detail: expect.any(String) });
  });
});
