import * as tf from "@tensorflow/tfjs-core";
import {
  AppError,
  createStream,
  finiteOrNull,
  globalMagnitudePrune,
  impKeptSchedule,
  keptCount,
  packMask,
  randomPruningMasks,
  realizedDensities,
  unpackMask,
  type EngineInfo,
  type EpochPoint,
  type EpochProgress,
  type ImageArch,
  type ImageData,
  type ImageRunResult,
  type ImageRunSpec,
  type ImpLevel,
  type Mask,
  type PartialResult,
} from "../../core/index.js";
import { engineInfo } from "../train.js";
import { createBatches, permutation, type Batches } from "./batches.js";
import {
  createBuffers,
  disposeParameters,
  downloadParameters,
  evaluateBatch,
  kaimingInit,
  mlpLayers,
  nonFiniteCount,
  prunableLayers,
  trainStep,
  uploadMasks,
  uploadParameters,
  type HostParameters,
  type MlpLayer,
  type SgdState,
} from "./mlp.js";

/**
 * The image kind's MLP trainer (docs/decisions/013-image-kind.md): a random mask or an IMP
 * trajectory, SGD with momentum and weight decay, evaluated before training and after every epoch.
 * Pure computation on tfjs's current backend: no I/O, no clock.
 *
 * Randomness, all from the spec's seed (src/core/rng.ts): initial weights from the `init` stream
 * (kaimingInit), the random mask of prunable layer l from `mask` substream l, and the epochs'
 * shuffles of level k from `shuffle` substream k, one permutation per epoch in order. So a level
 * replays identically whenever it is trained, which is what resuming an IMP job relies on.
 */

/** Hidden widths of the MLP architectures this trainer trains. */
export const MLP_ARCHS: Partial<Record<ImageArch, readonly number[]>> = {
  "mlp-1024-1024": [1024, 1024],
};

/** Examples per evaluation batch: a fixed size, so evaluations are the same numbers every time. */
export const EVAL_BATCH = 1000;

export interface ImageTrainOptions {
  data: ImageData;
  /** After the evaluation before training and after every epoch. */
  onProgress?: (progress: EpochProgress) => void;
  /** IMP: after every level but the last, all finished levels and the mask the next trains under. */
  onLevel?: (partial: PartialResult) => void;
  /** IMP: continue after the finished levels of a partial result, from its checkpoint's mask. */
  resume?: PartialResult;
  /** Aborting stops training within one step (or one evaluation batch) with the signal's reason. */
  signal?: AbortSignal;
  /** Hidden widths instead of the architecture's: small networks for tests. */
  hidden?: readonly number[];
}

/** The engine for provenance, naming this trainer; wasm and cpu both run on the CPU. */
export function mlpEngineInfo(): EngineInfo {
  return { ...engineInfo(), trainer: "mlp", device: "cpu" };
}

/** tf.tidy for results holding plain objects of tensors (tfjs types only its own containers). */
function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

interface Context {
  spec: ImageRunSpec;
  data: ImageData;
  layers: MlpLayer[];
  batches: Batches;
  /** `levels` of progress reports: the IMP spec's levels, 0 for a random mask. */
  lastLevel: number;
  options: ImageTrainOptions;
}

interface LevelRun {
  curve: EpochPoint[];
  diverged: boolean;
  final: HostParameters;
  /** The parameters after `captureAt` optimizer steps (the last ones if the level has fewer steps). */
  captured?: HostParameters;
}

/** Loss and 0-1 error on a split's first `count` examples, in file order, in batches of EVAL_BATCH. */
async function evaluate(context: Context, state: SgdState, split: "train" | "test", count: number): Promise<{ loss: number; error: number }> {
  const data = context.data[split];
  let lossSum = 0;
  let errors = 0;
  for (let start = 0; start < count; start += EVAL_BATCH) {
    const end = Math.min(count, start + EVAL_BATCH);
    const [loss, wrong] = tf.tidy(() => {
      const batch = evaluateBatch(state.params, context.batches.inputs(data, null, start, end), context.batches.targets(data, null, start, end), context.batches.labels(data, null, start, end));
      return [batch.lossSum.dataSync()[0]!, batch.errors.dataSync()[0]!];
    });
    lossSum += loss;
    errors += wrong;
    await yieldToEventLoop();
    context.options.signal?.throwIfAborted();
  }
  return { loss: lossSum / count, error: errors / count };
}

/**
 * Trains one network from `start` under `masks` (null: dense) for the spec's epochs, or only its
 * first `stopAfter` steps. Each epoch is one seeded permutation of the training subset in batches
 * of `batchSize`; the last, partial batch is kept (its mean loss over its own examples, as
 * PyTorch's DataLoader with drop_last=False). The learning rate is multiplied by gamma at each
 * milestone: epoch e (from 1) trains at lr · gamma^(milestones below e), as PyTorch's MultiStepLR
 * stepped once per epoch.
 */
async function trainLevel(context: Context, level: number, start: HostParameters, masks: Mask[] | null, plan: { evaluate: boolean; stopAfter?: number; captureAt?: number }): Promise<LevelRun> {
  const { spec, layers, batches, options } = context;
  const { epochs, batchSize, learningRate, momentum, weightDecay, milestones, gamma } = spec.training;
  const trainSize = spec.data.trainSize;
  const curve: EpochPoint[] = [];
  let diverged = false;
  let captured: HostParameters | undefined;
  let steps = 0;
  let state: SgdState = { params: uploadParameters(layers, start, masks), buffers: null };
  const maskTensors = uploadMasks(layers, masks);
  const disposeState = (s: SgdState) => {
    disposeParameters(s.params);
    if (s.buffers) disposeParameters(s.buffers);
  };
  const evaluatePoint = async (epoch: number) => {
    const train = await evaluate(context, state, "train", trainSize);
    const test = await evaluate(context, state, "test", context.data.test.count);
    const trainLoss = finiteOrNull(train.loss);
    // a non-finite weight never becomes finite again, so checking at evaluations loses no divergence
    diverged = trainLoss === null || nonFiniteCount(state.params) !== 0;
    const testLoss = finiteOrNull(test.loss);
    curve.push({ epoch, trainLoss, trainError: diverged ? null : train.error, testLoss, testError: testLoss === null ? null : test.error });
    options.onProgress?.({ epoch, epochs, level, levels: context.lastLevel, loss: trainLoss });
  };
  try {
    state.buffers = createBuffers(state.params, momentum);
    if (plan.evaluate) await evaluatePoint(0);
    const shuffle = createStream(spec.seed, "shuffle", level);
    let previousLearningRate = learningRate;
    training: for (let epoch = 1; epoch <= epochs && !diverged; epoch++) {
      const epochLearningRate = learningRate * gamma ** milestones.filter((milestone) => milestone < epoch).length;
      const order = permutation(shuffle, trainSize);
      for (let first = 0; first < trainSize; first += batchSize) {
        const last = Math.min(trainSize, first + batchSize);
        const settings = { learningRate: epochLearningRate, previousLearningRate, momentum, weightDecay };
        previousLearningRate = epochLearningRate;
        const next = tidy(() => trainStep(state, batches.inputs(context.data.train, order, first, last), batches.targets(context.data.train, order, first, last), maskTensors, settings));
        disposeState(state);
        state = next;
        steps++;
        if (steps === plan.captureAt) captured = downloadParameters(layers, state.params);
        if (steps === plan.stopAfter) break training;
        await yieldToEventLoop();
        options.signal?.throwIfAborted();
      }
      if (plan.evaluate) await evaluatePoint(epoch);
    }
    const final = downloadParameters(layers, state.params);
    return { curve, diverged, final, captured: plan.captureAt === undefined ? undefined : (captured ?? final) };
  } finally {
    disposeState(state);
    tf.dispose(maskTensors.filter((mask): mask is tf.Tensor2D => mask !== null));
  }
}

/** The prunable layers' weights of host parameters, in prunable-layer order. */
const prunableWeights = (layers: readonly MlpLayer[], params: HostParameters): Float32Array[] => layers.flatMap((layer, l) => (layer.prunable ? [params.weights[l]!] : []));

function toLevel(context: Context, level: number, masks: Mask[], run: LevelRun): ImpLevel {
  const { density, layerDensities } = realizedDensities(prunableLayers(context.layers), masks);
  return { level, density, layerDensities, final: finalOf(run.curve), curve: run.curve, diverged: run.diverged };
}

function finalOf(curve: readonly EpochPoint[]): ImpLevel["final"] {
  const last = curve[curve.length - 1]!;
  return { trainLoss: last.trainLoss, trainError: last.trainError, testLoss: last.testLoss, testError: last.testError };
}

function checkData(spec: ImageRunSpec, data: ImageData, hidden: readonly number[] | undefined): void {
  if (data.dataset !== spec.data.dataset) throw new AppError("misconfigured", `the spec trains on ${spec.data.dataset}, the data given is ${data.dataset}`);
  if (spec.data.trainSize > data.train.count) throw new AppError("misconfigured", `the spec trains on ${spec.data.trainSize} images, the data has ${data.train.count}`);
  if (!hidden || hidden.length === 0 || hidden.some((width) => !Number.isInteger(width) || width < 1)) throw new AppError("misconfigured", `the mlp trainer does not train ${spec.model.arch}`);
  for (const split of [data.train, data.test]) {
    if (split.images.length !== split.count * data.shape[0] * data.shape[1] * data.shape[2] || split.labels.length !== split.count) throw new AppError("misconfigured", "the data's arrays do not match its counts and shape");
    if (split.labels.some((label) => label >= data.classes)) throw new AppError("misconfigured", `a label is not below the data's ${data.classes} classes`);
  }
}

/** The finished levels and mask of a partial result, checked against this spec and network. */
function readCheckpoint(context: Context, partial: PartialResult, schedule: readonly number[]): { levels: ImpLevel[]; masks: Mask[]; next: number } {
  const refuse = (message: string): never => {
    throw new AppError("validation_failed", `cannot resume from this partial result: ${message}`);
  };
  const { spec } = context;
  if (spec.pruning.method !== "imp") refuse("only IMP jobs have partial results");
  const { checkpoint, levels } = partial;
  if (checkpoint.level >= context.lastLevel) refuse(`its checkpoint is for level ${checkpoint.level + 1}, the spec's last level is ${context.lastLevel}`);
  if (levels.length !== checkpoint.level + 1 || levels.some((level, i) => level.level !== i)) refuse(`it must hold levels 0 … ${checkpoint.level}`);
  const layers = prunableLayers(context.layers);
  if (checkpoint.masks.length !== layers.length) refuse(`it has ${checkpoint.masks.length} masks for ${layers.length} prunable layers`);
  const masks = layers.map((layer, l) => {
    const packed = checkpoint.masks[l]!;
    const weights = layer.shape[0]! * layer.shape[1]!;
    if (packed.layer !== layer.name || packed.weights !== weights) refuse(`mask ${l} is ${packed.layer} with ${packed.weights} weights, not ${layer.name} with ${weights}`);
    return unpackMask(packed.bits, weights);
  });
  const kept = masks.reduce((sum, mask) => sum + keptCount(mask), 0);
  if (kept !== schedule[checkpoint.level + 1]) refuse(`its mask keeps ${kept} weights, level ${checkpoint.level + 1} keeps ${schedule[checkpoint.level + 1]}`);
  return { levels: levels.slice(), masks, next: checkpoint.level + 1 };
}

/**
 * Trains an image spec on its MLP: one network under a random mask, or an IMP trajectory (level 0
 * dense; after each level, global magnitude pruning of the remaining prunable weights by `rate`,
 * rewind of every parameter to its value after `rewindStep` optimizer steps of level 0, 0 being the
 * initialization, then the next level). A rewind step past level 0's last step rewinds to its end.
 * Stops as `diverged` when the loss or a parameter becomes non-finite at an evaluation; an IMP job
 * then trains no further level.
 */
export async function trainImage(spec: ImageRunSpec, options: ImageTrainOptions): Promise<ImageRunResult> {
  const { data } = options;
  const hidden = options.hidden ?? MLP_ARCHS[spec.model.arch];
  checkData(spec, data, hidden);
  const layers = mlpLayers(data.shape[0] * data.shape[1] * data.shape[2], hidden!, data.classes);
  const prunable = prunableLayers(layers);
  const pruning = spec.pruning;
  const context: Context = { spec, data, layers, batches: createBatches(data), lastLevel: pruning.method === "imp" ? pruning.levels : 0, options };
  const dataset = { name: data.dataset, sha256: data.sha256 };
  const init = kaimingInit(layers, spec.seed);

  if (pruning.method === "random") {
    if (options.resume) throw new AppError("validation_failed", "cannot resume from a partial result: only IMP jobs have them");
    const masks = randomPruningMasks(prunable, pruning, (l) => createStream(spec.seed, "mask", l));
    const run = await trainLevel(context, 0, init, masks, { evaluate: true });
    const { density, layerDensities } = realizedDensities(prunable, masks);
    return { final: finalOf(run.curve), curve: run.curve, density, layerDensities, diverged: run.diverged, dataset };
  }

  const total = prunable.reduce((sum, layer) => sum + layer.shape[0]! * layer.shape[1]!, 0);
  const schedule = impKeptSchedule(total, pruning.rate, pruning.levels);
  const rewindStep = pruning.rewindStep;
  let levels: ImpLevel[] = [];
  let masks: Mask[] = prunable.map((layer) => new Uint8Array(layer.shape[0]! * layer.shape[1]!).fill(1));
  let first = 0;
  let rewind: HostParameters = init;
  if (options.resume) {
    ({ levels, masks, next: first } = readCheckpoint(context, options.resume, schedule));
    // the rewind point is re-derived: the initialization, or level 0's first rewindStep steps again
    if (rewindStep > 0) rewind = (await trainLevel(context, 0, init, null, { evaluate: false, stopAfter: rewindStep, captureAt: rewindStep })).captured!;
  }
  for (let level = first; level <= pruning.levels; level++) {
    const run = await trainLevel(context, level, level === 0 ? init : rewind, level === 0 ? null : masks, { evaluate: true, captureAt: level === 0 && rewindStep > 0 ? rewindStep : undefined });
    if (level === 0) rewind = run.captured ?? init;
    levels.push(toLevel(context, level, masks, run));
    if (run.diverged || level === pruning.levels) break;
    masks = globalMagnitudePrune(prunableWeights(layers, run.final), masks, pruning.rate);
    options.onLevel?.({
      levels: levels.slice(),
      checkpoint: { level, masks: prunable.map((layer, l) => ({ layer: layer.name, weights: masks[l]!.length, bits: packMask(masks[l]!) })) },
    });
  }
  const final = levels[levels.length - 1]!;
  return {
    final: final.final,
    curve: final.curve,
    density: final.density,
    layerDensities: final.layerDensities,
    // every IMP result lists its levels, even when level 0 diverged and is the only one
    levels,
    diverged: final.diverged,
    dataset,
  };
}
