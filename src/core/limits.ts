/**
 * Hard limits on what one spec may ask for. They bound every cost a request can cause: no accepted
 * run spec exceeds MAX_RUN_MACS multiply-adds, MAX_RUN_MEMORY_BYTES of tensors or MAX_CURVE_POINTS
 * curve rows, and no sweep expands to more than MAX_SWEEP_RUNS members.
 */
export const LIMITS = {
  maxClasses: 64,
  maxPatchDim: 100_000,
  maxSamples: 100_000,
  maxWidth: 10_000,
  maxQ: 8,
  maxSteps: 1_000_000,
  maxSeed: 2 ** 31 - 1,
  maxSignalStrength: 1_000,
  maxNoiseStd: 1_000,
  maxInitStd: 10,
  maxLearningRate: 1_000,
  /** Largest job accepted at all (runner placement): 1e14 multiply-adds, ~3 h at 1e10 MAC/s. */
  maxRunMacs: 1e14,
  /** Tensors of one run (data, weights, mask, activations), in bytes. */
  maxRunMemoryBytes: 2 * 1024 ** 3,
  maxCurvePoints: 10_000,
  maxGridKeys: 4,
  maxGridValues: 100,
  maxRepeats: 100,
  maxSweepRuns: 2_000,
} as const;
