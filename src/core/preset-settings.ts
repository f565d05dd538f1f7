import type { RunSpecInput } from "./spec.js";

/** Settings several presets share (the theory's own regime), kept in one place so they cannot drift apart. */

/**
 * The theory's own regime (Definition 2.1, Condition 2.2 in spirit), sized by measurement to run
 * in about 1 s per run on one core: K = 3 basis signals in a random patch, cubic activation,
 * noise with σn√d = 3 (three times the signal), so the dense network memorizes noise.
 */
export const THEORY_BASE = {
  data: { classes: 3, patchDim: 400, signal: "basis", signalPatch: "random", noiseStd: 0.15, trainSize: 60, testSize: 300 },
  model: { width: 20, q: 3, initStd: 0.1 },
  training: { learningRate: 1, steps: 2000, evalEvery: 20 },
} as const satisfies RunSpecInput;

export const THEORY_READING =
  "Definition 2.1 with K = 3 classes, basis signals μ_k = e_k (μ = 1) in a random patch, d = 400, σn = 0.15 (so σn√d = 3 > μ: " +
  "Condition 2.2's μ = Θ(σn√d log d) is deliberately not met, which is what makes the dense network memorize noise), n = 60 train and " +
  "300 test samples, m = 20 filters per class, q = 3, σ0 = 0.1, η = 1, 2000 full-batch steps. Mild-pruning scale log d / m ≈ 0.3; " +
  "over-pruning scale 1/(K m log d) ≈ 0.003; a class loses all its signal neurons with probability (1 − density)^m.";
