import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrunelabClient, expectOk, type PrunelabClient } from "../../src/client/index.js";
import { imageRunResultSchema } from "../../src/core/index.js";
import { startLocalStack, type LocalStack } from "../../scripts/local-stack.js";
import { createDatabase } from "../store/databases.js";
import { spawnRunner, until as waitUntil, type RunnerProcess } from "./runner-process.js";

const TOKEN = "e2e-torch-runner-token-0123456789";
/** The interpreter that has PyTorch, as the runner finds it (README, Quick start). */
const PYTHON = process.env.PRUNELAB_PYTHON ?? "python3";

/**
 * The torch backend end to end (docs/decisions/014-torch-backend.md): the API under wrangler dev on
 * PostgreSQL, a `--backend torch` runner process training in the real Python trainer on the shipped
 * MNIST. A CNN job no runner here can train (no CIFAR-10 data; a wasm runner does not train VGG-16)
 * waits with a notice that says why; MLP and IMP jobs succeed and are cached; a training child
 * killed mid-job costs one attempt, and the job is finished once.
 */
describe("the torch backend through the API, a runner and PostgreSQL", () => {
  let stack: LocalStack;
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let client: PrunelabClient;
  const runners: RunnerProcess[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), "prunelab-torch-e2e-"));

  const startRunner = (id: string, args: string[]): RunnerProcess => {
    const runner = spawnRunner(["--api", stack.url, "--token", TOKEN, "--id", id, "--concurrency", "1", "--lease-seconds", "5", "--poll-seconds", "0.2", "--json", ...args]);
    runners.push(runner);
    return runner;
  };
  const until = (condition: () => boolean | Promise<boolean>, seconds: number, what: string) =>
    waitUntil(condition, seconds, () => `${what}; torch runner events: ${JSON.stringify(runners[0]?.events.slice(-5))}; stderr: ${runners[0]?.stderr().slice(-500)}`);
  const getRun = async (hash: string) => expectOk(await client.GET("/v1/runs/{hash}", { params: { path: { hash } } }));
  const submit = async (spec: object) => expectOk(await client.POST("/v1/runs", { body: { spec: spec as never } }));

  beforeAll(async () => {
    database = await createDatabase();
    stack = await startLocalStack({ dataDir, port: 0, databaseUrl: database.url, vars: { RUNNER_TOKEN: TOKEN, LEASE_MIN_SECONDS: "1" } });
    client = createPrunelabClient(stack.url);
  }, 180_000);
  afterAll(async () => {
    for (const runner of runners) if (runner.child.exitCode === null) runner.child.kill("SIGKILL");
    await stack?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  let torch: RunnerProcess;

  it("never leases a CNN job to a runner that cannot train it, and the run's notice says why", async () => {
    const cnn = await submit({ kind: "image", model: { arch: "vgg16" }, data: { dataset: "cifar10", trainSize: 64 }, training: { epochs: 1, milestones: [] } });
    expect(cnn.status).toBe("queued");
    torch = startRunner("torch-runner", ["--backend", "torch", "--python", PYTHON]);
    const wasm = startRunner("wasm-runner", ["--backend", "wasm"]);
    for (const runner of [torch, wasm]) await until(() => runner.events.some((e) => e.event === "idle" && /serving/.test(e.message ?? "")), 120, "the runners to start");
    expect(torch.events[0]!.message).toMatch(/torch .* on cpu; it trains kinds image; archs mlp-1024-1024, vgg16, resnet20, resnet20-128; data sets mnist$/);
    // both runners lease repeatedly (every 0.2 s when idle) while the job waits
    await until(async () => /vgg16 on cifar10/.test((await getRun(cnn.hash)).notice ?? ""), 30, "the notice");
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const run = await getRun(cnn.hash);
    expect(run.status).toBe("queued");
    expect(run.attempts).toBe(0);
    wasm.child.kill("SIGTERM");
    expect(await wasm.exit).toBe(0);
    expect(run.notice).toMatch(/waiting for a runner that can train vgg16 on cifar10; the runners seen lately \(2\) declare .*archs mlp-1024-1024, resnet20, resnet20-128, vgg16; data sets mnist/);
    for (const runner of [torch, wasm]) expect(runner.events.filter((e) => e.hash === cnn.hash)).toEqual([]);
    expect(wasm.events.some((e) => e.event === "leased")).toBe(false);
  }, 300_000);

  it("trains an MNIST MLP job and an IMP job in the Python trainer, and caches them", async () => {
    const mlp = await submit({ kind: "image", data: { trainSize: 256 }, training: { epochs: 2, batchSize: 64 }, pruning: { density: 0.5 } });
    const imp = await submit({ kind: "image", data: { trainSize: 256 }, training: { epochs: 2, batchSize: 64 }, pruning: { method: "imp", levels: 2 } });
    for (const { hash } of [mlp, imp]) await until(async () => (await getRun(hash)).status === "succeeded", 600, `${hash} to succeed`);

    const dense = await getRun(mlp.hash);
    const result = imageRunResultSchema.parse(dense.result);
    expect(result.dataset.name).toBe("mnist");
    expect(result.curve.map((point) => point.epoch)).toEqual([0, 1, 2]);
    expect(result.density).toBe(0.5);
    expect(result.final.testError).toBeLessThan(0.9);
    expect(dense.provenance).toMatchObject({ executor: "runner", runnerId: "torch-runner", engine: { backend: "torch", trainer: "torch", device: "cpu" } });

    const trajectory = await getRun(imp.hash);
    const levels = imageRunResultSchema.parse(trajectory.result).levels!;
    expect(levels.map((level) => level.level)).toEqual([0, 1, 2]);
    expect(levels[0]!.density).toBe(1);
    expect(levels[2]!.density).toBeCloseTo(0.64, 3);
    // each IMP level but the last was reported as a partial result while it trained
    expect(torch.events.filter((e) => e.event === "partial" && e.hash === imp.hash).length).toBe(2);

    // cached: the same specs again are the same runs, done, and nothing trains again
    const completions = torch.events.filter((e) => e.event === "completed").length;
    for (const { hash, spec } of [
      { hash: mlp.hash, spec: dense.spec },
      { hash: imp.hash, spec: trajectory.spec },
    ]) {
      const again = await submit(spec);
      expect(again).toMatchObject({ hash, status: "succeeded" });
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(torch.events.filter((e) => e.event === "completed").length).toBe(completions);
  }, 900_000);

  it("re-queues a job whose training child is killed, and finishes it once", async () => {
    const long = await submit({ kind: "image", seed: 7, data: { trainSize: 4000 }, training: { epochs: 12, batchSize: 64 } });
    await until(() => torch.events.some((e) => e.event === "progress" && e.hash === long.hash && (e.epoch ?? 0) >= 1), 300, "the job's first epoch");
    // the runner's own child running prunelab_torch is the training child
    const pids = execFileSync("pgrep", ["-P", String(torch.child.pid), "-f", "prunelab_torch"], { encoding: "utf8" }).trim().split("\n").map(Number);
    expect(pids).toHaveLength(1);
    process.kill(pids[0]!, "SIGKILL");

    await until(async () => (await getRun(long.hash)).status === "succeeded", 600, "the killed job to finish");
    const run = await getRun(long.hash);
    expect(run.attempts).toBe(1); // the killed attempt
    const mine = torch.events.filter((e) => e.hash === long.hash);
    const failed = mine.filter((e) => e.event === "failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]!.message).toMatch(/killed by SIGKILL.*\(queued again\)/);
    expect(mine.filter((e) => e.event === "leased")).toHaveLength(2);
    expect(mine.filter((e) => e.event === "completed")).toHaveLength(1);
    expect(imageRunResultSchema.parse(run.result).curve).toHaveLength(13);
    // the runner survived and is still serving
    expect(torch.child.exitCode).toBeNull();
    torch.child.kill("SIGTERM");
    expect(await torch.exit).toBe(0);
  }, 900_000);

  it("exits 3 before leasing when the interpreter has no PyTorch", async () => {
    const runner = spawnRunner(["--api", stack.url, "--token", TOKEN, "--backend", "torch", "--python", join(dataDir, "no-python")]);
    expect(await runner.exit).toBe(3);
    expect(runner.stderr()).toMatch(/the torch backend was selected but the Python interpreter .*no-python" could not be started.*PRUNELAB_PYTHON/s);
  }, 60_000);
});
