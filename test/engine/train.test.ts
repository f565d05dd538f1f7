import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { countSignalNeurons, generateParameters, parseSyntheticSpec } from "../../src/core/index.js";
import { useNodeBackend } from "../../src/engine/node.js";
import { engineInfo, train, trainWithWeights, type Progress } from "../../src/engine/train.js";

const small = parseSyntheticSpec({
  seed: 4,
  data: { patchDim: 30, trainSize: 24, testSize: 40, noiseStd: 0.5 },
  model: { width: 8, initStd: 0.1 },
  pruning: { density: 0.6 },
  training: { learningRate: 0.05, steps: 60, evalEvery: 10 },
});
const theory = parseSyntheticSpec({
  seed: 5,
  data: { classes: 3, signal: "basis", signalPatch: "random", patchDim: 24, trainSize: 30, testSize: 30, noiseStd: 0.2 },
  model: { width: 6, q: 3, initStd: 0.2 },
  pruning: { density: 0.7 },
  training: { learningRate: 0.1, steps: 40, evalEvery: 10 },
});

describe("training", () => {
  it("reports its engine", async () => {
    await useNodeBackend("wasm");
    expect(engineInfo()).toEqual({ tfjs: tf.version_core, backend: "wasm", simd: true, threads: 1 });
  });

  it.each([["antipodal, q = 1", small], ["basis, q = 3", theory]])("gives identical numbers twice on wasm (%s)", async (_, spec) => {
    await useNodeBackend("wasm");
    const [a, b] = [await train(spec), await train(spec)];
    expect(a.curve.length).toBe(spec.training.steps / spec.training.evalEvery + 1);
    expect(b).toEqual(a);
  });

  it.each([["antipodal, q = 1", small], ["basis, q = 3", theory]])("agrees between the wasm and cpu backends (%s)", async (_, spec) => {
    await useNodeBackend("wasm");
    const wasm = await train(spec);
    await useNodeBackend("cpu");
    const cpu = await train(spec);
    expect(cpu.curve.map((p) => p.step)).toEqual(wasm.curve.map((p) => p.step));
    cpu.curve.forEach((point, i) => {
      const other = wasm.curve[i]!;
      for (const key of ["trainLoss", "testLoss", "noiseAlignment"] as const) expect(point[key]!).toBeCloseTo(other[key]!, 4);
      point.signalAlignment.forEach((value, j) => expect(value!).toBeCloseTo(other.signalAlignment[j]!, 4));
      expect(Math.abs(point.testError! - other.testError!)).toBeLessThanOrEqual(1 / 40 + 1e-6); // one sample at most
    });
  });

  it("keeps pruned weights exactly zero and frees every tensor", async () => {
    await useNodeBackend("wasm");
    const before = tf.memory().numTensors;
    const { weights } = await trainWithWeights(small);
    expect(tf.memory().numTensors).toBe(before);
    const { mask } = generateParameters(small);
    let kept = 0;
    for (let k = 0; k < mask.length; k++) {
      if (mask[k] === 0) expect(weights[k] === 0).toBe(true);
      else if (weights[k] !== 0) kept++;
    }
    expect(kept).toBeGreaterThan(0);
  });

  it("stops within one step when aborted, and frees every tensor", async () => {
    await useNodeBackend("wasm");
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const seen: Progress[] = [];
    const run = train({ ...small, training: { ...small.training, steps: 10_000 } }, {
      signal: controller.signal,
      onProgress: (progress) => {
        seen.push(progress);
        if (progress.step === 5) controller.abort(new Error("stop"));
      },
    });
    await expect(run).rejects.toThrow("stop");
    expect(seen.at(-1)!.step).toBe(5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("ends a run whose loss becomes non-finite as diverged, with nulls", async () => {
    await useNodeBackend("wasm");
    const spec = parseSyntheticSpec({ ...small, model: { width: 8, q: 3, initStd: 1 }, training: { learningRate: 1000, steps: 50, evalEvery: 10 } });
    const result = await train(spec);
    expect(result.diverged).toBe(true);
    expect(result.final.trainError).toBeNull(); // the weights went non-finite; σ(−∞) = 0 may leave the loss finite
    expect(result.curve.at(-1)!.step).toBeLessThan(50);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result); // JSON-safe: no NaN or Infinity
  });

  it("reports diagnostics: signal neurons, realized density, theory scales", async () => {
    await useNodeBackend("wasm");
    const result = await train(theory);
    expect(result.diagnostics.signalNeurons).toEqual(countSignalNeurons(theory, generateParameters(theory)));
    expect(result.diagnostics.realizedDensity).toBeGreaterThan(0.6);
    expect(result.diagnostics.realizedDensity).toBeLessThan(0.8);
    expect(result.diagnostics.theory.mildDensityScale).toBeCloseTo(Math.log(24) / 6, 12);
    expect(result.curve[0]!.signalAlignment).toHaveLength(3);
  });
});

describe("the paper's regimes", () => {
  it("learns the signal unpruned with low noise: zero training error, low test error", async () => {
    await useNodeBackend("wasm");
    const spec = parseSyntheticSpec({
      data: { patchDim: 40, trainSize: 40, testSize: 200, noiseStd: 0.05 },
      model: { width: 10 },
      training: { learningRate: 0.05, steps: 200, evalEvery: 50 },
    });
    const result = await train(spec);
    expect(result.final.trainError).toBe(0);
    expect(result.final.testError!).toBeLessThan(0.05);
    const [first, last] = [result.curve[0]!, result.curve.at(-1)!];
    expect(last.signalAlignment[0]!).toBeGreaterThan(first.signalAlignment[0]!); // Lemma 3.3: the signal grows
  });

  it("over-pruned so no filter keeps its signal (Theorem 4.1): memorizes, tests at chance", async () => {
    await useNodeBackend("wasm");
    // seed 1 at density 0.05, width 10: the mask keeps coordinate 1 in no filter of either class
    const spec = parseSyntheticSpec({
      seed: 1,
      data: { patchDim: 200, trainSize: 20, testSize: 400, noiseStd: 1 },
      model: { width: 10 },
      pruning: { density: 0.05 },
      training: { learningRate: 0.05, steps: 300, evalEvery: 100 },
    });
    const result = await train(spec);
    expect(result.diagnostics.signalNeurons).toEqual([0, 0]);
    expect(result.final.trainError).toBe(0);
    const standardError = Math.sqrt(0.25 / 400);
    expect(Math.abs(result.final.testError! - 0.5)).toBeLessThan(3 * standardError);
    expect(result.curve.every((p) => p.signalAlignment.every((a) => a === 0))).toBe(true);
  });
});
