import { z } from "zod";
import { ERROR_CODE_NAMES } from "./errors.js";
import { LIMITS } from "./limits.js";
import { component, placementSchema } from "./shapes.js";

/**
 * zod schemas of a result, its provenance and a failure: the one source of these shapes
 * (docs/decisions/007-one-source-for-shapes.md). Their types are in result.ts, their JSON Schema in
 * openapi.yaml's components. The API validates what runners send with them at the edge, so a buggy
 * or hostile runner cannot store a malformed result.
 */

/** The four metrics of an evaluation, in the order tables print them. */
export const METRIC_NAMES = ["trainLoss", "trainError", "testLoss", "testError"] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** JSON has no NaN or Infinity: such numbers are null on the wire (see `finiteOrNull`). */
const nullableNumber = () => z.number().nullable();

export const metricSchema = component("Metric", nullableNumber().describe("null where the value was not finite (a diverged run)."));
const metricShape = Object.fromEntries(METRIC_NAMES.map((name) => [name, metricSchema])) as Record<MetricName, typeof metricSchema>;

export const metricsSchema = component("Metrics", z.strictObject(metricShape).describe("Loss and 0-1 error on the training and the test set."));

export const curvePointSchema = component(
  "CurvePoint",
  z
    .strictObject({
      step: z.int().min(0).max(LIMITS.maxSteps),
      ...metricShape,
      signalAlignment: z.array(metricSchema).max(LIMITS.maxClasses).describe("max_r ⟨w̃_{j,r}, μ_j⟩ per class j (Lemmas 3.2, 3.3)."),
      noiseAlignment: nullableNumber().describe("max_{j,r,i} |⟨w̃_{j,r}, ξ_i⟩| over the training noise; null where not finite."),
    })
    .describe("One evaluation during training: at step 0, every `evalEvery` steps and the last step."),
);

export const theoryScalesSchema = component(
  "TheoryScales",
  z
    .strictObject({
      mildDensityScale: z.number().describe("log d / m: mild pruning keeps generalization for density ≥ C₁·log d / m (Theorem 3.1)."),
      overPruningDensityScale: nullableNumber().describe("1 / (K m log d): over-pruning sets in at about this density (Theorem 4.1)."),
      conditionRatio: nullableNumber().describe("μ / (σn √d log d): Condition 2.2 wants it Θ(1)."),
      expectedSignalNeurons: z.number().describe("density·m: expected filters per class that keep their signal coordinate."),
    })
    .describe("The paper's scales for a spec; a number that is not finite (σn = 0) is null."),
);

export const diagnosticsSchema = component(
  "Diagnostics",
  z.strictObject({
    signalNeurons: z.array(z.int().min(0)).max(LIMITS.maxClasses).describe("|S_signal^j| per class j: filters whose mask keeps the class's signal coordinate."),
    realizedDensity: z.number().min(0).max(1).describe("The fraction of weights the mask actually keeps."),
    theory: theoryScalesSchema,
  }),
);

export const syntheticRunResultSchema = component(
  "SyntheticRunResult",
  z
    .strictObject({
      final: metricsSchema,
      curve: z.array(curvePointSchema).min(1).max(LIMITS.maxCurvePoints + 1),
      diagnostics: diagnosticsSchema,
      diverged: z.boolean().describe("The loss or a weight became non-finite; training stopped there."),
    })
    .describe("The result of a `synthetic` run."),
);

/** Bounds of an image result: 30 IMP levels + 1, 500 epochs + 1 each, and the largest network's layers. */
const IMAGE_RESULT_LIMITS = { maxLevels: 31, maxEpochPoints: 501, maxLayers: 256 } as const;

export const epochPointSchema = component(
  "EpochPoint",
  z
    .strictObject({ epoch: z.int().min(0).max(IMAGE_RESULT_LIMITS.maxEpochPoints - 1), ...metricShape })
    .describe("One evaluation of an image run: epoch 0 before training, then after every epoch; train metrics on the (unaugmented) training subset, batch norm in eval mode."),
);

export const layerDensitySchema = component(
  "LayerDensity",
  z
    .strictObject({
      layer: z.string().max(128).describe("The prunable layer's name, e.g. `fc1`, `features.0`."),
      weights: z.int().min(1).describe("Its prunable weights."),
      density: z.number().min(0).max(1).describe("The fraction the mask keeps (realized, not requested)."),
    })
    .describe("The realized density of one prunable layer (the output layer, biases and batch norm are never pruned)."),
);

const densitySchema = z.number().min(0).max(1).describe("Realized density over the prunable layers: kept / total, rounded to 12 significant digits.");

export const impLevelSchema = component(
  "ImpLevel",
  z
    .strictObject({
      level: z.int().min(0).max(IMAGE_RESULT_LIMITS.maxLevels - 1),
      density: densitySchema,
      layerDensities: z.array(layerDensitySchema).min(1).max(IMAGE_RESULT_LIMITS.maxLayers),
      final: metricsSchema,
      curve: z.array(epochPointSchema).min(1).max(IMAGE_RESULT_LIMITS.maxEpochPoints),
      diverged: z.boolean(),
    })
    .describe("One level of an IMP trajectory: level 0 is the unpruned network, level k keeps (1 − rate)^k of the prunable weights (rounded per level)."),
);

export const imageRunResultSchema = component(
  "ImageRunResult",
  z
    .strictObject({
      final: metricsSchema,
      curve: z.array(epochPointSchema).min(1).max(IMAGE_RESULT_LIMITS.maxEpochPoints),
      density: densitySchema,
      layerDensities: z.array(layerDensitySchema).min(1).max(IMAGE_RESULT_LIMITS.maxLayers),
      levels: z.array(impLevelSchema).min(1).max(IMAGE_RESULT_LIMITS.maxLevels).optional().describe("IMP only: levels 0…L (fewer when a level diverged: the trajectory stops there); the run's `final`, `curve`, `density` and `layerDensities` are its last level's."),
      diverged: z.boolean().describe("The loss or a weight became non-finite; training stopped there."),
      dataset: z
        .strictObject({ name: z.string().max(32), sha256: z.string().regex(/^[0-9a-f]{64}$/).describe("SHA-256 over the bytes the trainer read, files in a fixed order (docs/data.md).") })
        .describe("The data set the trainer read."),
    })
    .describe("The result of an `image` run."),
);

export const runResultSchema = component(
  "RunResult",
  z.union([syntheticRunResultSchema, imageRunResultSchema]).describe("A run's result; its shape follows the spec's `kind`."),
);

export const runProgressSchema = component(
  "RunProgress",
  z
    .strictObject({
      step: z.int().min(0).nullable().describe("Synthetic runs: steps done."),
      epoch: z.int().min(0).optional().describe("Image runs: epochs done in the current level."),
      epochs: z.int().min(1).optional(),
      level: z.int().min(0).optional().describe("Image runs: the IMP level training (0 for a random mask)."),
      levels: z.int().min(0).optional().describe("The last level: `levels` of an IMP spec, 0 for a random mask."),
      loss: nullableNumber().optional().describe("The last epoch's training loss."),
    })
    .describe("What a running job's last heartbeat reported."),
);

/** An image trainer's progress on a heartbeat: once per epoch. */
export const epochProgressSchema = component(
  "EpochProgress",
  z
    .strictObject({
      epoch: z.int().min(0).max(IMAGE_RESULT_LIMITS.maxEpochPoints),
      epochs: z.int().min(1).max(IMAGE_RESULT_LIMITS.maxEpochPoints),
      level: z.int().min(0).max(IMAGE_RESULT_LIMITS.maxLevels),
      levels: z.int().min(0).max(IMAGE_RESULT_LIMITS.maxLevels),
      loss: nullableNumber(),
    })
    .describe("An image run's progress as its runner reports it on a heartbeat: epochs done of the level training, the level (0 for a random mask) and the last level, the last epoch's training loss."),
);

/** A partial result of a long job: the IMP levels finished so far, and the mask to resume from (docs/decisions/013-image-kind.md). */
export const partialResultSchema = component(
  "PartialResult",
  z
    .strictObject({
      levels: z.array(impLevelSchema).min(1).max(IMAGE_RESULT_LIMITS.maxLevels),
      checkpoint: z
        .strictObject({
          level: z.int().min(0).max(IMAGE_RESULT_LIMITS.maxLevels - 1),
          masks: z
            .array(z.strictObject({ layer: z.string().max(128), weights: z.int().min(1), bits: z.base64().describe("The layer's mask, one bit per weight, least significant bit first, in the layer's row-major weight order.") }))
            .max(IMAGE_RESULT_LIMITS.maxLayers),
        })
        .describe("The mask that level `level` + 1 trains under; what a re-leased job resumes from."),
    })
    .describe("What a runner reports after each finished IMP level."),
);

export const engineInfoSchema = component(
  "EngineInfo",
  z
    .strictObject({
      tfjs: z.string().max(64).optional().describe("The TensorFlow.js version, for the TypeScript trainers."),
      backend: z.string().max(64),
      simd: z.boolean().optional().describe("Whether the wasm backend ran with SIMD, for the TypeScript trainers."),
      threads: z.int().min(1).max(1024),
      trainer: z.string().max(64).optional().describe("Which trainer: `synthetic-cnn`, `mlp`, or `torch` (the runner's PyTorch backend)."),
      device: z.string().max(128).optional().describe("Where it trained: `cpu`, or a GPU's name."),
      torch: z.string().max(64).optional().describe("The PyTorch version, for the torch trainer."),
      cuda: z.string().max(64).nullable().optional().describe("The CUDA version PyTorch ran with; null on a CPU."),
    })
    .describe("Which engine computed a result: part of its provenance, never of its identity."),
);

export const provenanceSchema = component(
  "Provenance",
  z.strictObject({
    engine: engineInfoSchema,
    executor: placementSchema,
    runnerId: z.string().max(128).nullable(),
    trainMs: z.number().min(0),
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime(),
  }),
);

export const errorCodeSchema = component("ErrorCode", z.enum(ERROR_CODE_NAMES).describe("A code of the error vocabulary; `/problems/<code>` explains it."));

export const runErrorSchema = component(
  "RunError",
  z
    .strictObject({
      code: errorCodeSchema,
      message: z.string().max(4000),
      retryable: z.boolean(),
    })
    .describe("Why a run failed or was canceled."),
);

/** A runner's report of a failure; whether it is retryable travels beside it. */
export const runErrorReportSchema = component("RunErrorReport", runErrorSchema.omit({ retryable: true }));
