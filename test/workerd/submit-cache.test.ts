import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { fetchWorker } from "./fetch-worker.js";

/**
 * A re-submit of a spec whose run succeeded is answered from the Worker's Cache API, byte for byte
 * as the database-backed submit answers it, with the database unreachable; the run is kept there by
 * a read of it or by a submit the database answered (docs/decisions/011-hot-paths.md).
 */
describe("re-submitting a succeeded spec", () => {
  const call = fetchWorker;
  const submit = (origin: string, body: unknown, headers: Record<string, string> = {}, bindings: Env = env) =>
    call(new Request(`${origin}/v1/runs`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) }), bindings);
  const spec = { seed: 4242, data: { patchDim: 24, trainSize: 16, testSize: 16 }, model: { width: 6 }, training: { steps: 40, evalEvery: 10 } };
  /** Nothing listens on port 9, so every database connection of this env fails. */
  const down = { ...env, WS_PROXY: "127.0.0.1:9/v2" } as Env;
  const headersOf = (response: Response) => {
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    return headers;
  };

  it("answers from the cache what the database-backed submit answers, without the database", async () => {
    const submitted = await submit("http://prunelab.test", { spec });
    expect(submitted.status).toBe(202);
    const { hash } = (await submitted.json()) as { hash: string };
    let status = "";
    for (let i = 0; i < 120 && status !== "succeeded" && status !== "failed"; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 500));
      status = ((await (await call(new Request(`http://prunelab.test/v1/runs/${hash}`))).json()) as { status: string }).status;
    }
    expect(status).toBe("succeeded"); // this read kept the run in the Cache API (at prunelab.test)

    const afterRead = await submit("http://prunelab.test", { spec }, {}, down);
    expect(afterRead.status).toBe(200);
    expect(((await afterRead.json()) as { hash: string }).hash).toBe(hash);

    // The Cache API is keyed by origin: at a new one nothing is cached, so the database answers, and
    // the Worker keeps the succeeded run it answered; the next re-submit there is answered from it.
    for (const [i, headers] of ([{}, { prefer: "wait=5" }] as Record<string, string>[]).entries()) {
      const origin = `http://submitter-${i}.test`;
      const fromDatabase = await submit(origin, { spec }, headers);
      expect(fromDatabase.status).toBe(200);
      const fromCache = await submit(origin, { spec }, headers, down);
      expect(fromCache.status).toBe(200);
      expect(await fromCache.text()).toBe(await fromDatabase.text());
      expect(headersOf(fromCache)).toEqual(headersOf(fromDatabase));
      expect(fromCache.headers.get("cache-control")).toBe("no-store");
      expect(fromCache.headers.get("location")).toBeNull();
      expect(fromCache.headers.get("preference-applied")).toBe("prefer" in headers ? "wait=5" : null);
    }
    // how to run is never part of the hash: a forced placement is answered from the cache too
    const forced = await submit("http://prunelab.test", { spec, options: { placement: "runner" } }, {}, down);
    expect(forced.status).toBe(200);
    expect(((await forced.json()) as { hash: string }).hash).toBe(hash);

    // what a submit refuses whatever is stored is refused first, as before the database: invalid
    // specs, and an edge placement over the budget
    const invalid = await submit("http://prunelab.test", { spec: { ...spec, model: { width: -1 } } }, {}, down);
    expect(invalid.status).toBe(422);
    const overBudget = await submit("http://prunelab.test", { spec, options: { placement: "edge" } }, {}, { ...down, EDGE_MAX_MACS: "1" } as Env);
    expect(overBudget.status).toBe(422);
    expect(await overBudget.json()).toMatchObject({ type: "/problems/over_budget" });

    // the down env really cannot reach the database: a spec the cache does not hold is a 503
    const unknown = await submit("http://prunelab.test", { spec: { ...spec, seed: 4243 } }, {}, down);
    expect(unknown.status).toBe(503);
  });
});
