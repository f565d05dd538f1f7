import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrunelabClient, expectOk, type PrunelabClient } from "../../src/client/index.js";
import { startLocalStack, type LocalStack } from "../../scripts/local-stack.js";
import { createDatabase } from "../store/databases.js";
import { spawnRunner, until, type RunnerProcess } from "./runner-process.js";

const TOKEN = "e2e-runner-token-0123456789";

/**
 * Companion runners as real processes against the API under wrangler dev on PostgreSQL
 * (docs/architecture.md, Leases and fencing): jobs are trained exactly once, a runner killed
 * mid-job loses nothing, stale leases are refused, a wrong token is a clear error.
 */
describe("companion runners end to end", () => {
  let stack: LocalStack;
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let client: PrunelabClient;
  const runners: RunnerProcess[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), "prunelab-runner-e2e-"));

  /** A runner process; `--json` unless `args` say otherwise. */
  const startRunner = (id: string, token = TOKEN, args = ["--json"]): RunnerProcess => {
    const runner = spawnRunner(["--api", stack.url, "--token", token, "--id", id, "--concurrency", "1", "--lease-seconds", "2", "--poll-seconds", "0.2", ...args]);
    runners.push(runner);
    return runner;
  };
  const getRun = async (hash: string) => expectOk(await client.GET("/v1/runs/{hash}", { params: { path: { hash } } }));

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

  it("completes a runner-placed sweep with two runners, each job trained exactly once", async () => {
    const [a, b] = [startRunner("runner-a"), startRunner("runner-b")];
    const spec = { base: { data: { patchDim: 40, trainSize: 30, testSize: 30 }, model: { width: 10 }, training: { steps: 200, evalEvery: 50 } }, grid: { "pruning.sparsity": [0, 0.5, 0.8] }, repeats: 2 };
    const sweep = expectOk(await client.POST("/v1/sweeps", { body: { spec, options: { placement: "runner" } } }));
    await until(async () => expectOk(await client.GET("/v1/sweeps/{hash}", { params: { path: { hash: sweep.hash } } })).status === "succeeded", 90);
    const completed = [...a.events, ...b.events].filter((e) => e.event === "completed").map((e) => e.hash);
    expect(completed.sort()).toEqual(sweep.members.map((m) => m.hash).sort()); // each member once, no duplicates
    for (const member of sweep.members) {
      const run = await getRun(member.hash);
      expect(run.attempts).toBe(0);
      expect(["runner-a", "runner-b"]).toContain(run.provenance?.runnerId);
      expect(run.provenance?.executor).toBe("runner");
    }
    a.child.kill("SIGTERM");
    b.child.kill("SIGTERM");
    expect(await a.exit).toBe(0);
    expect(await b.exit).toBe(0);
  }, 120_000);

  it("logs each job's lease and completion without a terminal, but its progress at most every --log-every seconds", async () => {
    const started = Date.now();
    const quiet = startRunner("quiet", TOKEN, []); // no --json, no terminal: the service's log, default --log-every 10
    const spec = { base: { seed: 500, data: { patchDim: 40, trainSize: 30, testSize: 30 }, model: { width: 10 }, training: { steps: 300, evalEvery: 50 } }, grid: { "pruning.sparsity": [0, 0.5, 0.8] }, repeats: 2 };
    const sweep = expectOk(await client.POST("/v1/sweeps", { body: { spec, options: { placement: "runner" } } }));
    await until(async () => expectOk(await client.GET("/v1/sweeps/{hash}", { params: { path: { hash: sweep.hash } } })).status === "succeeded", 90);
    quiet.child.kill("SIGTERM");
    expect(await quiet.exit).toBe(0);
    const wallSeconds = (Date.now() - started) / 1000;
    const jobs = sweep.members.length;
    const hashes = sweep.members.map((m) => m.hash).sort();
    // every job's start and end is logged, once
    expect(quiet.events.filter((e) => e.event === "leased").map((e) => e.hash).sort()).toEqual(hashes);
    expect(quiet.events.filter((e) => e.event === "completed").map((e) => e.hash).sort()).toEqual(hashes);
    // progress: some, but a bounded count (each job's first, then one per 10 s of its training),
    // where one line per step would be jobs × 300
    const progress = quiet.events.filter((e) => e.event === "progress");
    expect(progress.length).toBeGreaterThanOrEqual(jobs);
    expect(progress.length).toBeLessThanOrEqual(jobs * (1 + Math.floor(wallSeconds / 10)));
  }, 120_000);

  it("finishes the job of a runner killed with SIGKILL mid-training, once, on the other runner", async () => {
    const doomed = startRunner("doomed");
    const long = { seed: 77, data: { patchDim: 200, trainSize: 100, testSize: 50 }, model: { width: 50 }, training: { steps: 5000, evalEvery: 500 } };
    const { hash } = expectOk(await client.POST("/v1/runs", { body: { spec: long, options: { placement: "runner" } } }));
    await until(() => doomed.events.some((e) => e.event === "progress" && e.hash === hash), 60);
    doomed.child.kill("SIGKILL");
    await doomed.exit;
    expect((await getRun(hash)).status).toBe("running"); // still leased by the dead runner
    const survivor = startRunner("survivor");
    await until(async () => (await getRun(hash)).status === "succeeded", 120);
    const run = await getRun(hash);
    expect(run).toMatchObject({ attempts: 1, provenance: { runnerId: "survivor" } });
    expect(survivor.events.filter((e) => e.event === "completed" && e.hash === hash)).toHaveLength(1);
    survivor.child.kill("SIGTERM");
    expect(await survivor.exit).toBe(0);
  }, 180_000);

  it("refuses a result posted under a lease the runner no longer holds, keeping the stored one", async () => {
    const runnerClient = createPrunelabClient(stack.url, { token: TOKEN });
    const { hash } = expectOk(await client.POST("/v1/runs", { body: { spec: { seed: 78, data: { patchDim: 20, trainSize: 10, testSize: 10 }, model: { width: 4 }, training: { steps: 20 } }, options: { placement: "runner" } } }));
    const stale = expectOk(await runnerClient.POST("/v1/runner/lease", { body: { runnerId: "stale", leaseSeconds: 1 } })).jobs[0]!;
    expect(stale.hash).toBe(hash);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const fresh = startRunner("fresh");
    await until(async () => (await getRun(hash)).status === "succeeded", 60);
    const stored = await getRun(hash);
    const late = await runnerClient.POST("/v1/runner/jobs/{hash}/complete", {
      params: { path: { hash } },
      body: { leaseId: stale.leaseId, result: { ...stored.result!, diverged: true }, provenance: { ...stored.provenance!, runnerId: "stale" } },
    });
    expect(late.response.status).toBe(409);
    expect(await getRun(hash)).toEqual(stored);
    fresh.child.kill("SIGTERM");
    await fresh.exit;
  }, 120_000);

  it("finishes its running job before exiting on SIGTERM", async () => {
    const polite = startRunner("polite");
    const { hash } = expectOk(await client.POST("/v1/runs", { body: { spec: { seed: 79, data: { patchDim: 200, trainSize: 100, testSize: 50 }, model: { width: 50 }, training: { steps: 3000, evalEvery: 500 } }, options: { placement: "runner" } } }));
    await until(() => polite.events.some((e) => e.event === "progress" && e.hash === hash), 60);
    polite.child.kill("SIGTERM");
    expect(await polite.exit).toBe(0);
    expect(polite.events.map((e) => e.event)).toEqual(expect.arrayContaining(["stopping", "completed", "stopped"]));
    expect((await getRun(hash)).status).toBe("succeeded");
  }, 120_000);

  it("stops before leasing anything when the selected native backend is not installed", async () => {
    const runner = spawnRunner(["--api", stack.url, "--token", TOKEN, "--backend", "tfjs-node"]);
    expect(await runner.exit).toBe(3);
    expect(runner.stderr()).toMatch(/@tensorflow\/tfjs-node is not installed.*npm install @tensorflow\/tfjs-node/s);
  }, 60_000);

  it("exits non-zero with a clear message when its token is wrong", async () => {
    const intruder = startRunner("intruder", "not-the-runner-token");
    expect(await intruder.exit).toBe(4);
    expect(intruder.stderr()).toMatch(/refused this runner.*token/);
  }, 60_000);
});

/** The runner's command line alone: no API is needed to refuse a bad configuration. */
describe("the runner command line", () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("PRUNELAB_")));
      const child = spawn(process.execPath, ["--import", "tsx", "src/runner/cli.ts", ...args], { env: { ...clean, ...env }, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("exit", (code) => resolve({ code, stdout, stderr }));
    });

  it("lists every documented flag with its environment variable under --help", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    for (const [flag, env] of [["--api", "PRUNELAB_API"], ["--token", "PRUNELAB_RUNNER_TOKEN"], ["--id", "PRUNELAB_RUNNER_ID"], ["--concurrency", "PRUNELAB_CONCURRENCY"], ["--backend", "PRUNELAB_BACKEND"], ["--lease-seconds", "PRUNELAB_LEASE_SECONDS"], ["--poll-seconds", ""], ["--log-every", "PRUNELAB_LOG_EVERY"], ["--json", ""]] as const) {
      expect(help.stdout).toContain(flag);
      if (env) expect(help.stdout).toContain(env);
    }
  }, 60_000);

  it("exits 2 naming what is wrong: a missing token, a bad value, an unknown flag", async () => {
    const missing = await run([]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("prunelab-runner: token: a runner token is required (--token or PRUNELAB_RUNNER_TOKEN)");
    const bad = await run(["--backend", "nope"], { PRUNELAB_RUNNER_TOKEN: "t", PRUNELAB_LEASE_SECONDS: "0" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^prunelab-runner: backend: .*; leaseSeconds: /);
    const unknown = await run(["--token", "t", "--bogus"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--bogus'");
  }, 60_000);

  it("takes a flag over its environment variable", async () => {
    const outcome = await run(["--concurrency", "1", "--api", "not a url"], { PRUNELAB_RUNNER_TOKEN: "t", PRUNELAB_CONCURRENCY: "0" });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr.split("\n")[0]).toBe("prunelab-runner: api: Invalid URL");
  }, 60_000);
});
