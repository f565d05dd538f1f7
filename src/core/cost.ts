/** The shape the cost model reads; a parsed RunSpec satisfies it. */
export interface CostShape {
  data: { classes: number; patchDim: number; trainSize: number; testSize: number };
  model: { width: number };
  training: { steps: number; evalEvery: number };
}

export interface CostEstimate {
  /** Multiply-adds of one gradient step: the noise-patch forward product n·d·Km and its weight gradient. */
  macsPerStep: number;
  /** Multiply-adds of one evaluation of the test set (the train metrics reuse the step's forward pass). */
  macsPerEval: number;
  evaluations: number;
  totalMacs: number;
  /** Float32 tensors alive during training: data (and its transpose), W, M, gradient, activations. */
  memoryBytes: number;
}

/** Number of metric rows a run produces: every `evalEvery` steps, plus step 0 and the final step. */
export function countEvaluations(steps: number, evalEvery: number): number {
  const periodic = Math.floor(steps / evalEvery);
  return 1 + periodic + (steps % evalEvery === 0 ? 0 : 1);
}

/**
 * Cost of a run as the engine computes it. The signal patch has one nonzero coordinate, so its
 * products are O(n·Km) and negligible next to the noise patch's O(n·d·Km)
 * (docs/decisions/003-engine-layout.md).
 */
export function estimateCost(spec: CostShape): CostEstimate {
  const { classes, patchDim: d, trainSize: n, testSize } = spec.data;
  const filters = classes * spec.model.width;
  const macsPerStep = 2 * n * d * filters + 4 * n * filters;
  const macsPerEval = testSize * d * filters + 2 * testSize * filters;
  const evaluations = countEvaluations(spec.training.steps, spec.training.evalEvery);
  const totalMacs = spec.training.steps * macsPerStep + evaluations * (macsPerEval + n * d * filters);
  const floats = 2 * (n + testSize) * d + 4 * d * filters + 6 * Math.max(n, testSize) * filters;
  return { macsPerStep, macsPerEval, evaluations, totalMacs, memoryBytes: 4 * floats };
}
