import { z } from "zod";
import { estimateCost } from "../cost.js";
import { LIMITS } from "../limits.js";
import { SPEC_VERSION, count, finite, positive, sparsityToDensity } from "./common.js";
import type { ExperimentKind } from "./kind.js";

/**
 * The `synthetic` kind: the paper's data model and pruned two-layer CNN (§2–5), trained by
 * full-batch gradient descent. Its defaults are the §5.1 setting, unpruned.
 */

/** Signal vectors (docs/architecture.md, The synthetic kind): `basis` is Definition 2.1's μ·e_k; `antipodal` is §5.1's ±μ·e_1. */
export const SIGNAL_KINDS = ["antipodal", "basis"] as const;
/** Where the signal patch sits: `first` (§5.1) or `random` (Definition 2.1, each side with probability ½). */
export const SIGNAL_PATCHES = ["first", "random"] as const;

/**
 * Pruning methods by name; the zod enum derives from the keys. `random` is the paper's i.i.d.
 * Bernoulli(density) mask drawn once at initialization.
 */
export const PRUNING_METHODS = {
  random: { title: "i.i.d. Bernoulli(density) mask at initialization" },
} as const;
type PruningMethod = keyof typeof PRUNING_METHODS;
const pruningMethodNames = Object.keys(PRUNING_METHODS) as [PruningMethod, ...PruningMethod[]];

const dataSchema = z.strictObject({
  classes: count(2, LIMITS.maxClasses).default(2),
  patchDim: count(1, LIMITS.maxPatchDim).default(400),
  signal: z.enum(SIGNAL_KINDS).default("antipodal"),
  signalStrength: positive(LIMITS.maxSignalStrength).default(1),
  signalPatch: z.enum(SIGNAL_PATCHES).default("first"),
  noiseStd: finite(0, LIMITS.maxNoiseStd).default(0.5),
  trainSize: count(1, LIMITS.maxSamples).default(100),
  testSize: count(1, LIMITS.maxSamples).default(100),
});

const modelSchema = z.strictObject({
  width: count(1, LIMITS.maxWidth).default(150),
  q: count(1, LIMITS.maxQ).default(1),
  initStd: positive(LIMITS.maxInitStd).default(0.1),
});

const pruningSchema = z
  .strictObject({
    method: z.enum(pruningMethodNames).default("random"),
    density: finite(0, 1).optional(),
    sparsity: finite(0, 1).optional(),
  })
  .superRefine((value, ctx) => {
    if (value.density !== undefined && value.sparsity !== undefined) {
      ctx.addIssue({ code: "custom", path: ["sparsity"], message: "give density or sparsity, not both" });
    }
  })
  .transform(({ method, density, sparsity }) => ({
    method,
    density: density ?? (sparsity === undefined ? 1 : sparsityToDensity(sparsity)),
  }));

const trainingSchema = z.strictObject({
  learningRate: positive(LIMITS.maxLearningRate).default(0.001),
  steps: count(1, LIMITS.maxSteps).default(1000),
  evalEvery: count(1, LIMITS.maxSteps).default(10),
});

export const syntheticRunSpecSchema = z
  .strictObject({
    version: z.literal(SPEC_VERSION).default(SPEC_VERSION),
    kind: z.literal("synthetic").default("synthetic"),
    seed: count(0, LIMITS.maxSeed).default(0),
    data: dataSchema.prefault({}),
    model: modelSchema.prefault({}),
    pruning: pruningSchema.prefault({}),
    training: trainingSchema.prefault({}),
  })
  .superRefine((spec, ctx) => {
    const { data } = spec;
    if (data.signal === "antipodal" && data.classes !== 2) {
      ctx.addIssue({ code: "custom", path: ["data", "classes"], message: 'signal "antipodal" requires classes = 2' });
    }
    if (data.signal === "basis" && data.patchDim < data.classes) {
      ctx.addIssue({ code: "custom", path: ["data", "patchDim"], message: 'signal "basis" requires patchDim ≥ classes' });
    }
    const cost = estimateCost(spec);
    if (cost.evaluations > LIMITS.maxCurvePoints + 1) {
      ctx.addIssue({
        code: "custom",
        path: ["training", "evalEvery"],
        message: `steps / evalEvery gives ${cost.evaluations} curve points; at most ${LIMITS.maxCurvePoints} are kept`,
      });
    }
    if (cost.totalMacs > LIMITS.maxRunMacs) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: `the run needs ${cost.totalMacs.toExponential(2)} multiply-adds; the largest accepted job is ${LIMITS.maxRunMacs.toExponential(0)}`,
      });
    }
    if (cost.memoryBytes > LIMITS.maxRunMemoryBytes) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: `the run needs ${(cost.memoryBytes / 1024 ** 2).toFixed(0)} MiB of tensors; at most ${LIMITS.maxRunMemoryBytes / 1024 ** 2} MiB are accepted`,
      });
    }
  });

export type SyntheticRunSpec = z.output<typeof syntheticRunSpecSchema>;
export type SyntheticRunSpecInput = z.input<typeof syntheticRunSpecSchema>;

export const syntheticKind: ExperimentKind<SyntheticRunSpec> = {
  name: "synthetic",
  title: "The paper's synthetic data and two-layer CNN, full-batch gradient descent",
  schema: syntheticRunSpecSchema,
  placements: ["edge", "runner"],
  cost: estimateCost,
};
