import type { z } from "zod";
import type {
  curvePointSchema,
  diagnosticsSchema,
  engineInfoSchema,
  metricsSchema,
  provenanceSchema,
  runErrorSchema,
  runResultSchema,
  theoryScalesSchema,
  syntheticRunResultSchema,
  imageRunResultSchema,
  impLevelSchema,
  epochPointSchema,
  layerDensitySchema,
  partialResultSchema,
  epochProgressSchema,
} from "./result-schema.js";

/** The types of a result, inferred from its schemas in result-schema.ts (the one source). */
export type Metrics = z.output<typeof metricsSchema>;
export type CurvePoint = z.output<typeof curvePointSchema>;
export type TheoryScales = z.output<typeof theoryScalesSchema>;
export type Diagnostics = z.output<typeof diagnosticsSchema>;
export type RunResult = z.output<typeof runResultSchema>;
export type SyntheticRunResult = z.output<typeof syntheticRunResultSchema>;
export type ImageRunResult = z.output<typeof imageRunResultSchema>;
export type ImpLevel = z.output<typeof impLevelSchema>;
export type EpochPoint = z.output<typeof epochPointSchema>;
export type LayerDensity = z.output<typeof layerDensitySchema>;
export type PartialResult = z.output<typeof partialResultSchema>;
export type EpochProgress = z.output<typeof epochProgressSchema>;
export type EngineInfo = z.output<typeof engineInfoSchema>;
export type Provenance = z.output<typeof provenanceSchema>;
export type RunError = z.output<typeof runErrorSchema>;

/** The result type of each experiment kind, by its name (the registries of views dispatch on it). */
export interface KindResults {
  synthetic: SyntheticRunResult;
  image: ImageRunResult;
}

export { METRIC_NAMES } from "./result-schema.js";

/** JSON carries no NaN or Infinity: such numbers are null on the wire. */
export function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
