import { z } from "zod";
import { LIMITS } from "./limits.js";
import { PLACEMENTS } from "./status.js";

/**
 * zod schemas for what runners send back: a result, its provenance, a failure. The API validates
 * them at the edge, so a buggy or hostile runner cannot store a malformed result.
 */
const metric = z.number().finite().nullable();
const classes = z.array(metric).max(LIMITS.maxClasses);

export const metricsSchema = z.strictObject({ trainLoss: metric, trainError: metric, testLoss: metric, testError: metric });

export const runResultSchema = z.strictObject({
  final: metricsSchema,
  curve: z
    .array(metricsSchema.extend({ step: z.int().min(0).max(LIMITS.maxSteps), signalAlignment: classes, noiseAlignment: metric }))
    .min(1)
    .max(LIMITS.maxCurvePoints + 1),
  diagnostics: z.strictObject({
    signalNeurons: z.array(z.int().min(0)).max(LIMITS.maxClasses),
    realizedDensity: z.number().min(0).max(1),
    theory: z.strictObject({
      mildDensityScale: z.number().finite(),
      overPruningDensityScale: metric,
      conditionRatio: metric,
      expectedSignalNeurons: z.number().finite(),
    }),
  }),
  diverged: z.boolean(),
});

export const engineInfoSchema = z.strictObject({
  tfjs: z.string().max(64),
  backend: z.string().max(64),
  simd: z.boolean(),
  threads: z.int().min(1).max(1024),
});

export const provenanceSchema = z.strictObject({
  engine: engineInfoSchema,
  executor: z.enum(PLACEMENTS),
  runnerId: z.string().max(128).nullable(),
  trainMs: z.number().min(0).finite(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
});

export const runErrorSchema = z.strictObject({
  code: z.string().min(1).max(64),
  message: z.string().max(4000),
  retryable: z.boolean(),
});

export type Provenance = z.output<typeof provenanceSchema>;
export type RunError = z.output<typeof runErrorSchema>;
