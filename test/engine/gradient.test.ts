import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { generateDataset, generateParameters, parseSyntheticSpec } from "../../src/core/index.js";
import { createModelTensors, disposeModelTensors, disposeWeights, forward, initialWeights, likelihood, maskedGradient, readWeights, scaledMask } from "../../src/engine/model.js";
import { useNodeBackend } from "../../src/engine/node.js";
import { finiteDifferenceGradient, referenceLoss } from "./reference.js";

/** Relative tolerance of the float32 engine against float64 finite differences, on the gradient's scale. */
const TOLERANCE = 2e-4;

const cases = [
  { name: "q = 1, antipodal", input: { data: { patchDim: 6, trainSize: 7, noiseStd: 0.8 }, model: { width: 3, q: 1, initStd: 0.5 }, pruning: { density: 0.7 } } },
  { name: "q = 3, antipodal", input: { seed: 1, data: { patchDim: 6, trainSize: 7, noiseStd: 0.8 }, model: { width: 3, q: 3, initStd: 0.5 }, pruning: { density: 0.7 } } },
  { name: "q = 1, basis, 3 classes, random side", input: { seed: 2, data: { classes: 3, signal: "basis", signalPatch: "random", patchDim: 5, trainSize: 9, signalStrength: 1.5 }, model: { width: 2, q: 1, initStd: 0.6 }, pruning: { density: 0.8 } } },
  { name: "q = 3, basis, 3 classes, random side", input: { seed: 3, data: { classes: 3, signal: "basis", signalPatch: "random", patchDim: 5, trainSize: 9, signalStrength: 1.5 }, model: { width: 2, q: 3, initStd: 0.6 }, pruning: { density: 0.8 } } },
  { name: "q = 3, basis, patchDim = classes (no other rows)", input: { seed: 6, data: { classes: 3, signal: "basis", patchDim: 3, trainSize: 8, noiseStd: 1 }, model: { width: 2, q: 3, initStd: 0.7 }, pruning: { density: 0.9 } } },
] as const;

describe.each(["cpu", "wasm"] as const)("gradient on the %s backend", (backend) => {
  it.each(cases)("equals float64 finite differences: $name", async ({ input }) => {
    await useNodeBackend(backend);
    const spec = parseSyntheticSpec(input);
    const train = generateDataset(spec, "train");
    const params = generateParameters(spec);
    const model = createModelTensors(spec, train, generateDataset(spec, "test"), params);
    const masked = params.weights.map((w, k) => w * params.mask[k]!);
    try {
      const weights = initialWeights(model, params);
      const [engineGradient, engineLoss] = tf.tidy(() => {
        const pass = forward(model, model.train, weights);
        const fit = likelihood(pass.outputs, model.train);
        const gradient = maskedGradient(model, pass, fit.probabilities, scaledMask(model, 1 / train.size)); // c = 1/n: ∇L_S ⊙ M
        return [readWeights(gradient), fit.loss.dataSync()[0]!] as const;
      });
      disposeWeights(weights);
      const weights64 = Float64Array.from(masked);
      const reference = finiteDifferenceGradient(spec, train, weights64, params.mask);
      const scale = Math.max(...reference.map(Math.abs));
      expect(scale).toBeGreaterThan(1e-3); // the check is not vacuous
      expect(engineLoss).toBeCloseTo(referenceLoss(spec, train, weights64), 5);
      for (let k = 0; k < reference.length; k++) {
        if (params.mask[k] === 0) expect(engineGradient[k] === 0).toBe(true); // ±0: exactly zero
        else expect(Math.abs(engineGradient[k]! - reference[k]!)).toBeLessThan(TOLERANCE * scale);
      }
    } finally {
      disposeModelTensors(model);
    }
  });
});
