import { AppError, type KindName, type RunResult, type RunSpec } from "../core/index.js";
import { train, type TrainOptions } from "./train.js";

/**
 * The trainer of each experiment kind (docs/architecture.md, Experiment kinds): the engine-side
 * half of the kind registry in `src/core/kinds`. A kind the engine cannot train has no entry and
 * is placed on runners whose backend can.
 */
export const TRAINERS: { [K in KindName]?: (spec: Extract<RunSpec, { kind: K }>, options?: TrainOptions) => Promise<RunResult> } = {
  synthetic: train,
};

/** Trains a run spec of any kind with its registered trainer. */
export function trainRun(spec: RunSpec, options: TrainOptions = {}): Promise<RunResult> {
  const trainer = TRAINERS[spec.kind] as ((spec: RunSpec, options?: TrainOptions) => Promise<RunResult>) | undefined;
  if (!trainer) throw new AppError("misconfigured", `this engine has no trainer for ${spec.kind} runs`);
  return trainer(spec, options);
}
