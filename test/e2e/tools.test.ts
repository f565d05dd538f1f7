import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../../scripts/local-stack.js";
import { EXIT } from "../../src/cli/exit-codes.js";
import { identifyRunSpec, identifySweepSpec, parseRunSpec, parseSweepSpec, PRESETS, SWEEP_POINT_MARK } from "../../src/core/index.js";
import { useChromium } from "../setup/chromium.js";
import { createDatabase } from "../store/databases.js";

/**
 * The researcher's tools end to end against `wrangler dev` on PostgreSQL: the `prunelab` bin as a
 * process (exit codes, --json), `reproduce` with the runner it starts, and the viewer pages in
 * headless Chromium.
 */
const BIN = new URL("../../bin/prunelab.mjs", import.meta.url).pathname;
const RUNNER_TOKEN = "e2e-tools-runner-token-0123";

const TINY_RUN = { data: { patchDim: 30, trainSize: 20, testSize: 40 }, model: { width: 8 }, training: { learningRate: 0.05, steps: 60, evalEvery: 20 } };
const TINY_SWEEP = { base: TINY_RUN, grid: { "pruning.sparsity": [0, 0.5, 0.9], "data.noiseStd": [0.5, 1] }, repeats: 1 };

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

describe("the prunelab CLI and the viewer against wrangler dev", () => {
  let stack: LocalStack;
  let database: Awaited<ReturnType<typeof createDatabase>>;
  const browser = useChromium();
  const work = mkdtempSync(join(tmpdir(), "prunelab-tools-"));

  function cli(args: string[], stdin?: string): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, "--api", stack.url, ...args], { cwd: work, env: { ...process.env, RUNNER_TOKEN } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => (stdout += chunk));
      child.stderr.on("data", (chunk) => (stderr += chunk));
      child.on("error", reject);
      child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(stdin ?? "");
    });
  }
  const file = (name: string, value: unknown) => {
    const path = join(work, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };

  beforeAll(async () => {
    database = await createDatabase();
    stack = await startLocalStack({ dataDir: join(work, "data"), port: 0, databaseUrl: database.url, vars: { RUNNER_TOKEN } });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
    await database?.drop();
    rmSync(work, { recursive: true, force: true });
  });

  it("lists presets and hashes specs exactly as the core does", async () => {
    const presets = await cli(["--json", "presets"]);
    expect(presets.code).toBe(EXIT.ok);
    const listed = JSON.parse(presets.stdout) as { name: string; hash: string }[];
    expect(listed.map((p) => p.name)).toEqual(Object.keys(PRESETS));

    const runHash = await cli(["hash", file("run.json", TINY_RUN)]);
    expect(runHash.code).toBe(EXIT.ok);
    expect(runHash.stdout.trim()).toBe((await identifyRunSpec(parseRunSpec(TINY_RUN))).hash);
    const sweepHash = await cli(["--json", "hash", "-"], JSON.stringify(TINY_SWEEP));
    expect(JSON.parse(sweepHash.stdout)).toMatchObject({ kind: "sweep", hash: (await identifySweepSpec(parseSweepSpec(TINY_SWEEP))).hash });
  });

  it("runs a spec from stdin to completion and gets it back by hash", async () => {
    const run = await cli(["--json", "run", "-", "--wait"], JSON.stringify({ ...TINY_RUN, seed: 7 }));
    expect(run.code).toBe(EXIT.ok);
    const view = JSON.parse(run.stdout);
    expect(view).toMatchObject({ status: "succeeded", spec: { seed: 7 } });
    expect(view.result.curve.map((p: { step: number }) => p.step)).toEqual([0, 20, 40, 60]);

    const got = await cli(["--json", "get", view.hash]);
    expect(got.code).toBe(EXIT.ok);
    expect(JSON.parse(got.stdout).result).toEqual(view.result);
    const human = await cli(["get", view.hash]);
    expect(human.stdout).toContain(`/view/runs/${view.hash}`);
  }, 120_000);

  it("prints plain progress lines while it waits without a terminal: the status, its changes, and each tenth of the steps", async () => {
    // stderr is a pipe here, as in CI or a log: cli-progress would draw nothing
    const steps = 4000; // the §5.1 model, long enough (seconds on the edge) to be seen running
    const outcome = await cli(["run", "-", "--wait"], JSON.stringify({ seed: 11, training: { steps, evalEvery: 500 } }));
    expect(outcome.code, outcome.stderr).toBe(EXIT.ok);
    const lines = outcome.stderr.trimEnd().split("\n");
    expect(outcome.stderr).not.toMatch(/[\r\u001b]/); // no bar redraws, no escape codes
    expect(lines[0]).toMatch(/^(queued|running)$/);
    expect(lines.at(-1)).toMatch(/ → succeeded$/);
    const progress = lines.filter((line) => line.startsWith("running ") && line.includes("%"));
    expect(progress.length).toBeGreaterThan(0);
    for (const line of progress) expect(line).toMatch(new RegExp(`^running \\d+% \\(\\d+/${steps} steps\\)$`));
    const tenths = progress.map((line) => Math.floor(Number(/\((\d+)\//.exec(line)![1]) / (steps / 10)));
    expect(new Set(tenths).size).toBe(tenths.length); // one line per tenth crossed, not per poll
    for (const line of lines) expect(line).toMatch(/^(queued|running)$|^\w+ → \w+$|^running \d+% /);
    expect(outcome.stdout).toContain("succeeded");
  }, 120_000);

  it("answers with the documented exit codes", async () => {
    const missing = await cli(["get", "0".repeat(64)]);
    expect(missing.code).toBe(EXIT.notFound);
    expect(missing.stderr).toContain("no run or sweep");
    const invalid = await cli(["run", "-"], JSON.stringify({ data: { patchDim: -1 } }));
    expect(invalid.code).toBe(EXIT.rejected);
    expect(invalid.stderr).toContain("/spec/data/patchDim");
    expect((await cli(["run", join(work, "no-such-file.json")])).code).toBe(EXIT.usage);
    expect((await cli(["run", "-"], "{not json")).code).toBe(EXIT.usage);
    expect((await cli(["sweep", "--preset", "paper-fig2c"])).code).toBe(EXIT.usage);
    expect((await cli(["sweep", "--preset", "no-such-preset"])).code).toBe(EXIT.notFound);
    expect((await cli(["--api", "http://127.0.0.1:9", "presets"])).code).toBe(EXIT.unavailable);
    // a runner job with no runner never finishes: --wait gives up and says so
    const waiting = await cli(["run", "-", "--wait", "--placement", "runner", "--timeout", "1"], JSON.stringify({ ...TINY_RUN, seed: 8 }));
    expect(waiting.code).toBe(EXIT.timeout);
    expect(waiting.stderr).toContain("queued");
    expect(waiting.stderr).toMatch(/note: waiting for a companion runner, and none has asked this API for work ever: start one with `npm run runner/);
  }, 60_000);

  it("completes a sweep and shows it in a page that renders in headless Chromium with one point per mean", async () => {
    const sweep = await cli(["--json", "sweep", file("sweep.json", TINY_SWEEP), "--wait"]);
    expect(sweep.code).toBe(EXIT.ok);
    const view = JSON.parse(sweep.stdout);
    expect(view.status).toBe("succeeded");

    const page = await browser().newPage();
    const response = await page.goto(`${stack.url}/view/sweeps/${view.hash}`);
    expect(response!.status()).toBe(200);
    const points = page.locator(`#chart svg g.${SWEEP_POINT_MARK}_marks path`);
    expect(await points.count()).toBe(6 * 2); // 6 grid points × test and train error
    const box = await page.locator("#chart svg").boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    expect(await page.locator("#aggregate tbody tr").count()).toBe(6);
    // the chart is drawn at its own size, so its 12 px text is 12 px on screen
    const natural = Number(await page.locator("#chart svg").getAttribute("width"));
    expect(box!.width).toBeCloseTo(natural, 0);
    // the table is headed in words, and no mean ± std cell wraps: each cell's text is one line box
    expect(await page.locator("#aggregate th").allTextContents()).toEqual(expect.arrayContaining(["sparsity", "runs without a signal neuron", "train loss", "test error"]));
    const stats = page.locator("#aggregate td.stat");
    expect(await stats.count()).toBe(6 * 5); // four metrics and the paired change against sparsity 0
    // two numeric axes: the page has the regime map too, rendered in workerd, every cell drawn, at its own size
    expect(await page.locator("#map svg g.map_paired_marks path").count()).toBe(6);
    const mapBox = (await page.locator("#map svg").boundingBox())!;
    expect(mapBox.width).toBeCloseTo(Number(await page.locator("#map svg").getAttribute("width")), 0);
    const lineBoxes = await stats.evaluateAll((cells) =>
      cells.map((cell) => {
        const range = cell.ownerDocument.createRange();
        range.selectNodeContents(cell);
        return range.getClientRects().length;
      }),
    );
    expect(lineBoxes).toEqual(Array(6 * 5).fill(1));
    await page.screenshot({ path: join(work, "sweep-page.png"), fullPage: true });
    expect(statSync(join(work, "sweep-page.png")).size).toBeGreaterThan(10_000);

    await page.goto(`${stack.url}/view/runs/${view.members[0].hash}`);
    expect(await page.locator("#chart svg").count()).toBe(1);
    expect(await page.locator("#final tbody tr").count()).toBe(2);
    const runSvg = page.locator("#chart svg");
    expect((await runSvg.boundingBox())!.width).toBeCloseTo(Number(await runSvg.getAttribute("width")), 0);
    await page.screenshot({ path: join(work, "run-page.png"), fullPage: true });
    expect(statSync(join(work, "run-page.png")).size).toBeGreaterThan(10_000);

    // an unknown run is a page too, not problem JSON: its status, a heading, a way on, no script
    const missing = await page.goto(`${stack.url}/view/runs/${"0".repeat(64)}`);
    expect(missing!.status()).toBe(404);
    expect(missing!.headers()["content-type"]).toMatch(/^text\/html/);
    expect(await page.locator("h1").textContent()).toMatch(/^404 /);
    expect(await page.locator('a[href="/docs"]').count()).toBeGreaterThan(0);
    expect(await page.locator("script").count()).toBe(0);
    await page.close();
  }, 120_000);

  it("reproduces a run preset with the runner it starts and writes the report", async () => {
    const out = join(work, "reports");
    const outcome = await cli(["--json", "reproduce", "theory-mild", "--out", out, "--runners", "1"]);
    expect(outcome.code, outcome.stderr).toBe(EXIT.ok);
    expect(JSON.parse(outcome.stdout)).toMatchObject({ status: "succeeded", dir: join(out, "theory-mild") });
    const report = readFileSync(join(out, "theory-mild", "report.md"), "utf8");
    const run = JSON.parse(readFileSync(join(out, "theory-mild", "run.json"), "utf8"));
    expect(run.provenance.executor).toBe("runner");
    expect(report).toContain(`test error ${run.result.final.testError.toFixed(3)}`);
    expect(report).toContain(PRESETS["theory-mild"]!.reading);
    expect(readFileSync(join(out, "theory-mild", "chart.svg"), "utf8")).toMatch(/^<svg/);
  }, 180_000);
});
