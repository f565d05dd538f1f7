import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrunelabClient, expectOk, type PrunelabClient } from "../../src/client/index.js";
import { startLocalStack, type LocalStack } from "../../scripts/local-stack.js";
import { validateResponse } from "../http/openapi-validator.js";
import { createDatabase } from "../store/databases.js";

/**
 * End to end: `wrangler dev` (workerd) as a process, a real PostgreSQL server through the Neon
 * driver and the proxy, the typed client over HTTP. Every response is checked against openapi.yaml.
 */
describe("the API under wrangler dev on PostgreSQL", () => {
  let stack: LocalStack;
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let client: PrunelabClient;
  const dataDir = mkdtempSync(join(tmpdir(), "prunelab-e2e-"));

  beforeAll(async () => {
    database = await createDatabase();
    stack = await startLocalStack({ dataDir, port: 0, databaseUrl: database.url, vars: { RUNNER_TOKEN: "e2e-runner-token-0123456789" } });
    const checkedFetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      const response = await fetch(request);
      await validateResponse(request.method, request.url, response.clone());
      return response;
    };
    client = createPrunelabClient(stack.url, { fetch: checkedFetch });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("completes a small sweep through the queue and serves its aggregate", async () => {
    const spec = {
      base: { data: { patchDim: 30, trainSize: 20, testSize: 40 }, model: { width: 8 }, training: { learningRate: 0.05, steps: 60, evalEvery: 20 } },
      grid: { "pruning.sparsity": [0, 0.9] },
      repeats: 2,
    };
    const submitted = expectOk(await client.POST("/v1/sweeps", { body: { spec } }));
    expect(submitted).toMatchObject({ size: 4 });
    let sweep = submitted;
    for (let i = 0; i < 120 && sweep.status !== "succeeded" && sweep.status !== "failed"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      sweep = expectOk(await client.GET("/v1/sweeps/{hash}", { params: { path: { hash: submitted.hash } } }));
    }
    expect(sweep.status).toBe("succeeded");
    expect(sweep.counts.succeeded).toBe(4);
    expect(sweep.aggregate.map((row) => row.point)).toEqual([{ "pruning.density": 1 }, { "pruning.density": 0.1 }]);
    for (const row of sweep.aggregate) {
      expect(row.completed).toBe(2);
      expect(row.final.trainError.n).toBe(2);
      expect(row.curve.map((point) => point.step)).toEqual([0, 20, 40, 60]);
    }
    const csv = await (await fetch(`${stack.url}/v1/sweeps/${submitted.hash}/table.csv`)).text();
    expect(csv.trim().split("\n")).toHaveLength(3);

    const member = expectOk(await client.GET("/v1/runs/{hash}", { params: { path: { hash: sweep.members[0]!.hash } } }));
    expect(member.provenance).toMatchObject({ executor: "edge", engine: { backend: "wasm" } });
  }, 120_000);
});
