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

export const runResultSchema = component(
  "RunResult",
  z.strictObject({
    final: metricsSchema,
    curve: z.array(curvePointSchema).min(1).max(LIMITS.maxCurvePoints + 1),
    diagnostics: diagnosticsSchema,
    diverged: z.boolean().describe("The loss or a weight became non-finite; training stopped there."),
  }),
);

export const engineInfoSchema = component(
  "EngineInfo",
  z
    .strictObject({
      tfjs: z.string().max(64),
      backend: z.string().max(64),
      simd: z.boolean(),
      threads: z.int().min(1).max(1024),
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
