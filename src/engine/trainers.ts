import { AppError, type EngineInfo, type EpochProgress, type ImageData, type KindName, type PartialResult, type RunResult, type RunSpec } from "../core/index.js";
import { mlpEngineInfo, trainImage } from "./image/train-image.js";
import { engineInfo, train, type TrainOptions } from "./train.js";

/**
 * What a trainer of any kind accepts: one options type for every kind, each field saying which
 * kinds read it, so callers (the Worker's edge jobs, the runner's threads) pass one object.
 * Progress has one callback per shape: steps (`onProgress`, synthetic runs) and epochs
 * (`onEpochProgress`, image runs), so neither caller has to tell the two apart.
 */
export interface RunTrainOptions extends TrainOptions {
  /** Image runs: the data set to train on (the engine does no I/O; the runner loads it). */
  data?: ImageData;
  /** Image runs: after the evaluation before training and after every epoch. */
  onEpochProgress?: (progress: EpochProgress) => void;
  /** Image IMP runs: each finished level but the last, with the mask to resume from. */
  onLevel?: (partial: PartialResult) => void;
  /** Image IMP runs: continue after the finished levels of this partial result. */
  resume?: PartialResult;
}

type Trainer<K extends KindName> = (spec: Extract<RunSpec, { kind: K }>, options?: RunTrainOptions) => Promise<RunResult>;

/**
 * The trainer of each experiment kind (docs/architecture.md, Experiment kinds): the engine-side
 * half of the kind registry in `src/core/kinds`. A kind the engine cannot train has no entry and
 * is placed on runners whose backend can.
 */
export const TRAINERS: { [K in KindName]?: Trainer<K> } = {
  synthetic: train,
  image: async (spec, { data, signal, onEpochProgress, onLevel, resume } = {}) => {
    if (!data) throw new AppError("misconfigured", "an image run trains on a data set: none was given to the trainer");
    return trainImage(spec, { data, signal, onProgress: onEpochProgress, onLevel, resume });
  },
};

/** The engine each kind's trainer reports for provenance (the image kind's names its trainer). */
export const TRAINER_ENGINES: { [K in KindName]?: () => EngineInfo } = {
  synthetic: engineInfo,
  image: mlpEngineInfo,
};

/** Trains a run spec of any kind with its registered trainer. */
export function trainRun(spec: RunSpec, options: RunTrainOptions = {}): Promise<RunResult> {
  const trainer = TRAINERS[spec.kind] as Trainer<KindName> | undefined;
  if (!trainer) throw new AppError("misconfigured", `this engine has no trainer for ${spec.kind} runs`);
  return trainer(spec as never, options);
}

/** The engine info of the trainer of this spec's kind. */
export function engineInfoFor(spec: RunSpec): EngineInfo {
  return (TRAINER_ENGINES[spec.kind] ?? engineInfo)();
}
