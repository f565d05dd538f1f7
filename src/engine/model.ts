import * as tf from "@tensorflow/tfjs-core";
import type { Dataset, Parameters, SyntheticRunSpec as RunSpec } from "../core/index.js";

/*
 * The paper's two-layer CNN (§2) laid out for tfjs's WASM backend.
 *
 * W̃ is (K·m) × d, row j·m + r the filter w̃_{j,r}. Every product is untransposed, and the large
 * ones take the run's constant data as their right operand: XNNPACK packs the right operand of a
 * product and tfjs caches that packing per tensor, so constant data is packed once per run instead
 * of once per step. Forward: Zᵀ = W̃·Ξᵀ. Gradient: ∇ = Gᵀ·Ξ. (docs/decisions/003-engine-layout.md;
 * measured in bench/.)
 *
 * W̃ is stored as two column blocks: the P signal columns (P = K for `basis`, 1 for `antipodal`: a
 * signal patch μ_y is nonzero on one of the first P coordinates only) and the d − P others. So
 * ⟨w̃_{j,r}, μ_{y_i}⟩ for all i, r is W̃_sig·Sᵀ with S[i, c_i] = μ_{y_i}[c_i]: O(Km·P·n), not O(Km·d·n).
 * No step slices or pads (both run far slower than a product on this backend).
 */

/** W̃ (or M, or a gradient) in two column blocks. */
export interface Weights {
  /** W̃[:, 0:P], Km × P. */
  signalCols: tf.Tensor2D;
  /** W̃[:, P:d], Km × (d − P); null when d = P. */
  otherCols: tf.Tensor2D | null;
}

/** A data set as the forward pass reads it: transposed, constant right operands. */
export interface SplitTensors {
  /** Ξ[:, 0:P]ᵀ, P × n. */
  noiseSignalT: tf.Tensor2D;
  /** Ξ[:, P:d]ᵀ, (d − P) × n; null when d = P. */
  noiseOtherT: tf.Tensor2D | null;
  /** Sᵀ, P × n. */
  signalT: tf.Tensor2D;
  /** One-hot labels, n × K. */
  onehot: tf.Tensor2D;
  labels: tf.Tensor1D;
  size: number;
}

/** The training set also feeds the gradient, which reads it untransposed. */
export interface TrainTensors extends SplitTensors {
  /** Ξ[:, 0:P], n × P. */
  noiseSignal: tf.Tensor2D;
  /** Ξ[:, P:d], n × (d − P). */
  noiseOther: tf.Tensor2D | null;
  /** S, n × P. */
  signal: tf.Tensor2D;
}

export interface ModelTensors {
  train: TrainTensors;
  test: SplitTensors;
  /** M in the same two blocks, 1 kept, 0 pruned. */
  mask: Weights;
  /** Bᵀ, K × Km with Bᵀ[j, j·m + r] = 1: Fᵀ = Bᵀ·σ(Zᵀ) sums each class's filters. */
  classOfFilterT: tf.Tensor2D;
  /** B, Km × K: spreads ℓ'_{j,i} to every filter of class j. */
  classOfFilter: tf.Tensor2D;
  classes: number;
  width: number;
  patchDim: number;
  signalDims: number;
  q: number;
}

export function signalDimCount(spec: RunSpec): number {
  return spec.data.signal === "basis" ? spec.data.classes : 1;
}

/** Splits a row-major rows × cols matrix at column `at` (the right block null when empty). */
function splitCols(values: Float32Array, rows: number, cols: number, at: number): [tf.Tensor2D, tf.Tensor2D | null] {
  const left = new Float32Array(rows * at);
  const right = new Float32Array(rows * (cols - at));
  for (let i = 0; i < rows; i++) {
    left.set(values.subarray(i * cols, i * cols + at), i * at);
    right.set(values.subarray(i * cols + at, (i + 1) * cols), i * (cols - at));
  }
  return [tf.tensor2d(left, [rows, at]), cols > at ? tf.tensor2d(right, [rows, cols - at]) : null];
}

function signalMatrix(data: Dataset, signalDims: number): Float32Array {
  const signal = new Float32Array(data.size * signalDims);
  for (let i = 0; i < data.size; i++) signal[i * signalDims + data.signalCoord[i]!] = data.signalValue[i]!;
  return signal;
}

function labelTensors(data: Dataset) {
  const onehot = new Float32Array(data.size * data.classes);
  for (let i = 0; i < data.size; i++) onehot[i * data.classes + data.labels[i]!] = 1;
  return { onehot: tf.tensor2d(onehot, [data.size, data.classes]), labels: tf.tensor1d(data.labels, "int32"), size: data.size };
}

const transposeOrNull = (t: tf.Tensor2D | null) => (t ? tf.transpose(t) : null);

/** Uploads data, mask and constants; the caller disposes them with `disposeModelTensors`. */
export function createModelTensors(spec: RunSpec, train: Dataset, test: Dataset, params: Parameters): ModelTensors {
  const signalDims = signalDimCount(spec);
  const [noiseSignal, noiseOther] = splitCols(train.noise, train.size, train.patchDim, signalDims);
  const signal = tf.tensor2d(signalMatrix(train, signalDims), [train.size, signalDims]);
  const [testNoiseSignal, testNoiseOther] = splitCols(test.noise, test.size, test.patchDim, signalDims);
  const testSignal = tf.tensor2d(signalMatrix(test, signalDims), [test.size, signalDims]);
  const filters = params.classes * params.width;
  const [maskSignal, maskOther] = splitCols(params.mask, filters, params.patchDim, signalDims);
  const blocks = new Float32Array(filters * params.classes);
  for (let row = 0; row < filters; row++) blocks[row * params.classes + Math.floor(row / params.width)] = 1;
  const classOfFilter = tf.tensor2d(blocks, [filters, params.classes]);
  const model: ModelTensors = {
    train: {
      noiseSignal,
      noiseOther,
      signal,
      noiseSignalT: tf.transpose(noiseSignal),
      noiseOtherT: transposeOrNull(noiseOther),
      signalT: tf.transpose(signal),
      ...labelTensors(train),
    },
    test: {
      noiseSignalT: tf.transpose(testNoiseSignal),
      noiseOtherT: transposeOrNull(testNoiseOther),
      signalT: tf.transpose(testSignal),
      ...labelTensors(test),
    },
    mask: { signalCols: maskSignal, otherCols: maskOther },
    classOfFilter,
    classOfFilterT: tf.transpose(classOfFilter),
    classes: params.classes,
    width: params.width,
    patchDim: params.patchDim,
    signalDims,
    q: spec.model.q,
  };
  tf.dispose([testNoiseSignal, testNoiseOther, testSignal].filter((t) => t !== null));
  return model;
}

function tensorsOf(value: object): tf.Tensor[] {
  return Object.values(value).filter((v): v is tf.Tensor => v instanceof tf.Tensor);
}

export function disposeModelTensors(model: ModelTensors): void {
  tf.dispose([...tensorsOf(model.train), ...tensorsOf(model.test), ...tensorsOf(model.mask), model.classOfFilter, model.classOfFilterT]);
}

export function tensorsOfWeights(weights: Weights): tf.Tensor2D[] {
  return tensorsOf(weights) as tf.Tensor2D[];
}

export function disposeWeights(weights: Weights): void {
  tf.dispose(tensorsOfWeights(weights));
}

/** W̃⁽⁰⁾ = W⁽⁰⁾ ⊙ M in the two-block layout. */
export function initialWeights(model: ModelTensors, params: Parameters): Weights {
  const [signalCols, otherCols] = splitCols(params.weights, params.classes * params.width, params.patchDim, model.signalDims);
  const masked: Weights = {
    signalCols: tf.mul(signalCols, model.mask.signalCols) as tf.Tensor2D,
    otherCols: otherCols && (tf.mul(otherCols, model.mask.otherCols!) as tf.Tensor2D),
  };
  tf.dispose([signalCols, otherCols].filter((t) => t !== null));
  return masked;
}

/** The full Km × d matrix, row-major (row j·m + r is w̃_{j,r}), read back from the backend. */
export function readWeights(weights: Weights): Float32Array {
  const [filters, signalDims] = weights.signalCols.shape;
  const otherDims = weights.otherCols ? weights.otherCols.shape[1] : 0;
  const left = weights.signalCols.dataSync() as Float32Array;
  const right = weights.otherCols ? (weights.otherCols.dataSync() as Float32Array) : new Float32Array(0);
  const d = signalDims + otherDims;
  const out = new Float32Array(filters * d);
  for (let row = 0; row < filters; row++) {
    out.set(left.subarray(row * signalDims, (row + 1) * signalDims), row * d);
    out.set(right.subarray(row * otherDims, (row + 1) * otherDims), row * d + signalDims);
  }
  return out;
}

/** σ(z) = max(0, z)^q. */
function activation(z: tf.Tensor, q: number): tf.Tensor {
  return q === 1 ? tf.relu(z) : tf.pow(tf.relu(z), q);
}

/** σ'(z) = q·max(0, z)^(q−1); for q = 1 the step 1[z > 0]. */
function activationDerivative(z: tf.Tensor, q: number): tf.Tensor {
  if (q === 1) return tf.step(z);
  if (q === 2) return tf.mul(tf.relu(z), 2);
  return tf.mul(tf.pow(tf.relu(z), q - 1), q);
}

export interface Forward {
  /** ⟨w̃_{j,r}, ξ_i⟩, Km × n. */
  noiseProducts: tf.Tensor2D;
  /** ⟨w̃_{j,r}, μ_{y_i}⟩, Km × n. */
  signalProducts: tf.Tensor2D;
  /** F_j(x_i) = Σ_r σ(⟨w̃_{j,r}, μ_{y_i}⟩) + σ(⟨w̃_{j,r}, ξ_i⟩), n × K. */
  outputs: tf.Tensor2D;
}

export function forward(model: ModelTensors, split: SplitTensors, weights: Weights): Forward {
  const fromSignalDims = tf.matMul(weights.signalCols, split.noiseSignalT);
  const noiseProducts = (split.noiseOtherT ? tf.add(tf.matMul(weights.otherCols!, split.noiseOtherT), fromSignalDims) : fromSignalDims) as tf.Tensor2D;
  const signalProducts = tf.matMul(weights.signalCols, split.signalT) as tf.Tensor2D;
  const activations = tf.add(activation(noiseProducts, model.q), activation(signalProducts, model.q));
  const outputs = tf.transpose(tf.matMul(model.classOfFilterT, activations)) as tf.Tensor2D; // K × n → n × K
  return { noiseProducts, signalProducts, outputs };
}

export interface Likelihood {
  /** Mean softmax cross-entropy L_S = mean_i −log logit_{y_i}(F, x_i). */
  loss: tf.Scalar;
  /** logit_j(F, x_i), n × K. */
  probabilities: tf.Tensor2D;
}

/**
 * Softmax and the cross-entropy from a stable log-sum-exp written out: tfjs's logSoftmax goes
 * through customGrad and costs ~20× the kernels it runs.
 */
export function likelihood(outputs: tf.Tensor2D, split: SplitTensors): Likelihood {
  const shifted = tf.sub(outputs, tf.max(outputs, 1, true));
  const logPartition = tf.log(tf.sum(tf.exp(shifted), 1, true));
  const logLikelihood = tf.sub(tf.sum(tf.mul(split.onehot, shifted), 1, true), logPartition); // log logit_{y_i}
  return { loss: tf.neg(tf.mean(logLikelihood)) as tf.Scalar, probabilities: tf.softmax(outputs) as tf.Tensor2D };
}

/** 0-1 error: the fraction of samples whose largest output is not their label. */
export function zeroOneError(outputs: tf.Tensor2D, split: SplitTensors): tf.Scalar {
  return tf.mean(tf.cast(tf.notEqual(tf.argMax(outputs, 1), split.labels), "float32")) as tf.Scalar;
}

/** c·M in the two-block layout: the mask with a constant factor folded in, made once per run. */
export function scaledMask(model: ModelTensors, factor: number): Weights {
  return {
    signalCols: tf.mul(model.mask.signalCols, factor) as tf.Tensor2D,
    otherCols: model.mask.otherCols && (tf.mul(model.mask.otherCols, factor) as tf.Tensor2D),
  };
}

/**
 * n·∇_{W̃} L_S ⊙ (c·M) for a caller's c·M (see `scaledMask`): with ℓ'_{j,i} = logit_j(F, x_i) − 1[j = y_i]
 * (§2), ∇_{w̃_{j,r}} L_S = (1/n) Σ_i ℓ'_{j,i} [σ'(⟨w̃_{j,r}, ξ_i⟩) ξ_i + σ'(⟨w̃_{j,r}, μ_{y_i}⟩) μ_{y_i}] ⊙ m_{j,r}.
 * Folding 1/n and the learning rate into the mask saves two full-size kernels per step;
 * c = 1/n gives the gradient itself, c = η/n the descent step.
 */
export function maskedGradient(model: ModelTensors, pass: Forward, probabilities: tf.Tensor2D, factorMask: Weights): Weights {
  const { train } = model;
  const lossDerivativeT = tf.transpose(tf.sub(probabilities, train.onehot)); // ℓ'_{j,i}, K × n
  const perFilter = tf.matMul(model.classOfFilter, lossDerivativeT); // row j·m + r holds ℓ'_{j,·}
  const noiseFactor = tf.mul(activationDerivative(pass.noiseProducts, model.q), perFilter) as tf.Tensor2D; // n·Gᵀ_ξ, Km × n
  const signalFactor = tf.mul(activationDerivative(pass.signalProducts, model.q), perFilter) as tf.Tensor2D; // n·Gᵀ_μ, Km × n
  // columns 0..P−1: Gᵀ_ξ·Ξ[:, 0:P] + Gᵀ_μ·S; columns P..d−1: Gᵀ_ξ·Ξ[:, P:d]
  const signalCols = tf.add(tf.matMul(noiseFactor, train.noiseSignal), tf.matMul(signalFactor, train.signal));
  return {
    signalCols: tf.mul(signalCols, factorMask.signalCols) as tf.Tensor2D,
    otherCols: train.noiseOther && (tf.mul(tf.matMul(noiseFactor, train.noiseOther), factorMask.otherCols!) as tf.Tensor2D),
  };
}

/** W̃ − Δ, where Δ = η·∇L_S ⊙ M comes from `maskedGradient` with c = η/n. */
export function descend(weights: Weights, step: Weights): Weights {
  return {
    signalCols: tf.sub(weights.signalCols, step.signalCols) as tf.Tensor2D,
    otherCols: weights.otherCols && (tf.sub(weights.otherCols, step.otherCols!) as tf.Tensor2D),
  };
}
