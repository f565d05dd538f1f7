/**
 * Engine benchmark: the §5.1 run (or --spec) in Node (wasm, and cpu on a short run), in workerd
 * (timed from Node through `wrangler dev`, since local workerd's clock stands still during
 * synchronous work), and a straightforward NumPy implementation of the same run on the same data
 * with one and two BLAS threads. Run side by side; reports ms/step, multiply-adds per second,
 * whole-run time and ratios. Each implementation runs --repeat times, interleaved, and the median is
 * reported (timings on a shared machine vary by ±20% from run to run).
 * `npm run bench:engine [-- --spec '{...}' --repeat 3 --no-workerd --no-numpy]`.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { estimateCost, generateDataset, generateParameters, parseSyntheticSpec, toDenseInputs, type SyntheticRunSpec as RunSpec } from "../src/core/index.js";
import { useNodeBackend } from "../src/engine/node.js";
import { train } from "../src/engine/train.js";

const { values: args } = parseArgs({
  options: {
    spec: { type: "string", default: "{}" },
    "cpu-steps": { type: "string", default: "50" },
    "no-workerd": { type: "boolean", default: false },
    "no-numpy": { type: "boolean", default: false },
    port: { type: "string", default: "8791" },
    repeat: { type: "string", default: "3" },
  },
});

const spec = parseSyntheticSpec(JSON.parse(args.spec));
const withSteps = (steps: number): RunSpec => ({ ...spec, training: { ...spec.training, steps, evalEvery: Math.min(spec.training.evalEvery, steps) } });
const macsPerStep = estimateCost(spec).macsPerStep;

interface Row {
  name: string;
  runs?: number;
  steps: number;
  ms: number;
  trainLoss: number | null;
  testError: number | null;
}
const rows: Row[] = [];

async function timeNode(backend: "wasm" | "cpu", steps: number, evaluations = true) {
  await useNodeBackend(backend);
  await train(withSteps(Math.min(5, steps))); // warm-up: backend init, kernel compilation
  const timed = evaluations ? withSteps(steps) : { ...withSteps(steps), training: { ...spec.training, steps, evalEvery: steps } };
  const started = performance.now();
  const result = await train(timed);
  const name = `node ${backend}${evaluations ? "" : ", final evaluation only (as numpy)"}`;
  rows.push({ name, steps, ms: performance.now() - started, trainLoss: result.final.trainLoss, testError: result.final.testError });
}

async function timeWorkerd(rounds: number) {
  const port = Number(args.port);
  const child = spawn("npx", ["wrangler", "dev", "-c", "bench/wrangler.toml", "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false"], {
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    stdio: "ignore",
    detached: true,
  });
  try {
    const post = (body: RunSpec) => fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: JSON.stringify(body) });
    for (let attempt = 0; ; attempt++) {
      try {
        await (await post(withSteps(5))).json(); // also the warm-up
        break;
      } catch (error) {
        if (attempt > 120) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    for (let round = 0; round < rounds; round++) {
      const started = performance.now();
      const result = await (await post(spec)).json();
      rows.push({ name: "workerd wasm", steps: spec.training.steps, ms: performance.now() - started, trainLoss: result.final.trainLoss, testError: result.final.testError });
    }
  } finally {
    process.kill(-child.pid!, "SIGTERM");
  }
}

function timeNumpy(threads: number) {
  const folder = mkdtempSync(join(tmpdir(), "prunelab-bench-"));
  try {
    const train = generateDataset(spec, "train");
    const test = generateDataset(spec, "test");
    const params = generateParameters(spec);
    const write = (name: string, data: ArrayBufferView) => writeFileSync(join(folder, name), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    write("x_train.f32", toDenseInputs(train));
    write("x_test.f32", toDenseInputs(test));
    write("y_train.i32", train.labels);
    write("y_test.i32", test.labels);
    write("weights.f32", params.weights);
    write("mask.f32", params.mask);
    const { classes: K, patchDim: d, trainSize: n, testSize: nTest } = spec.data;
    writeFileSync(join(folder, "meta.json"), JSON.stringify({ n, nTest, d, K, m: spec.model.width, q: spec.model.q, ...spec.training }));
    const env: Record<string, string | undefined> = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
    delete env.OPENBLAS_CORETYPE; // set on some machines for old OpenBLAS builds; it slows a current one
    delete env.OPENBLAS_L2_SIZE;
    const out = spawnSync("python3", ["bench/numpy_baseline.py", folder], { env, encoding: "utf8" });
    if (out.status !== 0) throw new Error(`numpy baseline failed: ${out.stderr}`);
    const result = JSON.parse(out.stdout);
    rows.push({ name: `numpy float32, ${threads} BLAS thread${threads > 1 ? "s" : ""}`, steps: spec.training.steps, ms: result.ms, trainLoss: result.trainLoss, testError: result.testError });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

await timeNode("cpu", Number(args["cpu-steps"]));
for (let round = 0; round < Number(args.repeat); round++) {
  await timeNode("wasm", spec.training.steps);
  await timeNode("wasm", spec.training.steps, false);
  if (!args["no-numpy"]) {
    timeNumpy(1);
    timeNumpy(2);
  }
}
if (!args["no-workerd"]) await timeWorkerd(Number(args.repeat));

const merged = [...new Set(rows.map((row) => row.name))].map((name) => {
  const same = rows.filter((row) => row.name === name).sort((a, b) => a.ms - b.ms);
  return { ...same[Math.floor(same.length / 2)]!, runs: same.length };
});
rows.splice(0, rows.length, ...merged);
const reference = rows.find((row) => row.name.startsWith("numpy float32, 1")) ?? rows[0]!;
const msPerStep = (row: Row) => row.ms / row.steps;
console.log(`spec: ${JSON.stringify(spec.data)} width ${spec.model.width} q ${spec.model.q} density ${spec.pruning.density}, ${spec.training.steps} steps`);
console.log(`engine multiply-adds per step: ${(macsPerStep / 1e6).toFixed(1)} M\n`);
console.log("| implementation | runs (median) | steps timed | ms/step | engine GMAC/s | whole run (s) | time vs numpy 1 thread | final train loss | final test error |");
console.log("|---|---|---|---|---|---|---|---|---|");
for (const row of rows) {
  const perStep = msPerStep(row);
  console.log(
    `| ${row.name} | ${row.runs} | ${row.steps} | ${perStep.toFixed(2)} | ${(macsPerStep / perStep / 1e6).toFixed(2)} | ${((perStep * spec.training.steps) / 1000).toFixed(2)} | ${(perStep / msPerStep(reference)).toFixed(2)}× | ${row.steps === spec.training.steps ? row.trainLoss?.toPrecision(5) : "—"} | ${row.steps === spec.training.steps ? row.testError : "—"} |`,
  );
}
