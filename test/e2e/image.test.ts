import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrunelabClient, expectOk, type PrunelabClient } from "../../src/client/index.js";
import { imageRunResultSchema } from "../../src/core/index.js";
import { startLocalStack, type LocalStack } from "../../scripts/local-stack.js";
import { createDatabase } from "../store/databases.js";
import { spawnRunner, until, type RunnerProcess } from "./runner-process.js";

const TOKEN = "e2e-image-runner-token-0123456789";

/**
 * Image jobs end to end (docs/decisions/013-image-kind.md): the API under wrangler dev on
 * PostgreSQL, a real runner process training the MNIST MLP on the shipped data. A small sweep with
 * both pruning methods succeeds, is cached by hash, aggregates per (method, density) and charts.
 */
describe("image jobs through the API, a runner and PostgreSQL", () => {
  let stack: LocalStack;
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let client: PrunelabClient;
  let runner: RunnerProcess | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), "prunelab-image-e2e-"));

  const events = () => runner?.events ?? [];
  const getSweep = async (hash: string) => expectOk(await client.GET("/v1/sweeps/{hash}", { params: { path: { hash } } }));

  beforeAll(async () => {
    database = await createDatabase();
    stack = await startLocalStack({ dataDir, port: 0, databaseUrl: database.url, vars: { RUNNER_TOKEN: TOKEN } });
    client = createPrunelabClient(stack.url);
  }, 180_000);
  afterAll(async () => {
    if (runner && runner.child.exitCode === null) runner.child.kill("SIGKILL");
    await stack?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const startRunner = () =>
    spawnRunner(["--api", stack.url, "--token", TOKEN, "--id", "image-runner", "--concurrency", "2", "--poll-seconds", "0.2", "--json"]);

  const spec = {
    base: { kind: "image" as const, data: { trainSize: 256 }, training: { epochs: 2, batchSize: 64 } },
    grid: { pruning: [{ method: "imp", levels: 2 }, { method: "random", density: 1 }, { method: "random", density: 0.64 }] },
    repeats: 1,
  };

  it("refuses to place an image job on the edge, and says no runner can take it yet", async () => {
    const edge = await client.POST("/v1/runs", { body: { spec: { kind: "image", data: { trainSize: 10 } } as const, options: { placement: "edge" } } });
    expect(edge.response.status).toBe(422);
    const queued = expectOk(await client.POST("/v1/sweeps", { body: { spec } }));
    expect(queued.status).toBe("queued");
    expect(queued.notice).toMatch(/runner/);
  });

  it("trains a sweep of both methods on a runner, caches it by hash, aggregates per (method, density) and charts it", async () => {
    runner = startRunner();
    const submitted = expectOk(await client.POST("/v1/sweeps", { body: { spec } }));
    await until(async () => (await getSweep(submitted.hash)).status === "succeeded", 600, () => `the sweep; runner events: ${JSON.stringify(events().slice(-5))}`);
    const sweep = await getSweep(submitted.hash);

    // every member: an image result of the shipped MNIST, trained by this runner
    const runs = await Promise.all(sweep.members.map(async (m) => expectOk(await client.GET("/v1/runs/{hash}", { params: { path: { hash: m.hash } } }))));
    for (const run of runs) {
      const result = imageRunResultSchema.parse(run.result);
      expect(result.dataset.name).toBe("mnist");
      expect(result.curve.map((p) => p.epoch)).toEqual([0, 1, 2]);
      expect(run.provenance).toMatchObject({ executor: "runner", runnerId: "image-runner" });
    }
    const imp = runs.find((run) => (run.spec.pruning as { method: string }).method === "imp")!;
    const levels = imageRunResultSchema.parse(imp.result).levels!;
    expect(levels.map((level) => level.level)).toEqual([0, 1, 2]);
    expect(levels[0]!.density).toBe(1);
    expect(levels[2]!.density).toBeCloseTo(0.64, 3);

    // aggregate: one row per (method, density), IMP one per level
    const rows = sweep.aggregate.map((row) => [row.point["pruning.method"], row.point["pruning.density"]] as [string, number]);
    expect(rows.filter(([method]) => method === "imp")).toHaveLength(3);
    expect(rows.filter(([method]) => method === "random").map(([, density]) => density).sort()).toEqual([0.64, 1]);
    for (const row of sweep.aggregate) {
      expect(row.completed).toBe(1);
      expect(row.final.testError.mean).toBeGreaterThan(0);
      expect(row.final.testError.mean).toBeLessThan(0.9); // learned something in 2 epochs on 256 images
    }

    // cached by hash: the same spec again is the same sweep, done, with nothing re-queued
    const again = expectOk(await client.POST("/v1/sweeps", { body: { spec } }));
    expect(again.hash).toBe(submitted.hash);
    expect(again.status).toBe("succeeded");
    const completions = events().filter((e) => e.event === "completed").length;
    expect(completions).toBe(sweep.members.length);

    // charts and the table
    const chart = await fetch(`${stack.url}/v1/sweeps/${submitted.hash}/chart.json`);
    expect(chart.status).toBe(200);
    expect(JSON.stringify(await chart.json())).toMatch(/imp/);
    const svg = await fetch(`${stack.url}/v1/sweeps/${submitted.hash}/chart.svg`);
    expect(await svg.text()).toMatch(/^<svg/);
    const csv = await (await fetch(`${stack.url}/v1/sweeps/${submitted.hash}/table.csv`)).text();
    expect(csv.split("\n")[0]).toContain("pruning.method");
    expect(csv.trim().split("\n")).toHaveLength(1 + sweep.aggregate.length);
    const page = await fetch(`${stack.url}/view/runs/${imp.hash}`);
    expect(page.status).toBe(200);
  }, 900_000);
});
