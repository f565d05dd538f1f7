import * as tf from "@tensorflow/tfjs-core";
import type { Dataset, Parameters, RunSpec } from "../core/index.js";

/**
 * The paper's two-layer CNN (§2) laid out for the backend. W̃ is d × (K·m), column j·m + r being
 * filter w̃_{j,r}. A signal patch μ_y has one nonzero coordinate among the first P rows (P = K for
 * `basis`, 1 for `antipodal`), so ⟨w̃_{j,r}, μ_{y_i}⟩ for all i is S·W̃[0:P] with S the n × P matrix
 * S[i, c_i] = μ_{y_i}[c_i]: O(n·P·Km) instead of O(n·d·Km). Every product is untransposed; Ξᵀ and Sᵀ
 * are materialized once per run (DESIGN §3).
 */
export interface SplitTensors {
  /** Ξ, n × d: the noise patches. */
  noise: tf.Tensor2D;
  /** S, n × P: the signal patches restricted to their P possible coordinates. */
  signal: tf.Tensor2D;
  /** One-hot labels, n × K. */
  onehot: tf.Tensor2D;
  labels: tf.Tensor1D;
  size: number;
}

export interface TrainTensors extends SplitTensors {
  /** Ξᵀ, d × n. */
  noiseT: tf.Tensor2D;
  /** Sᵀ, P × n. */
  signalT: tf.Tensor2D;
}

export interface ModelTensors {
  train: TrainTensors;
  test: SplitTensors;
  /** M, d × Km, 1 kept, 0 pruned. */
  mask: tf.Tensor2D;
  classes: number;
  width: number;
  patchDim: number;
  signalRows: number;
  q: number;
}

export function signalRowCount(spec: RunSpec): number {
  return spec.data.signal === "basis" ? spec.data.classes : 1;
}

/** Not inside tf.tidy (it keeps plain objects only): every tensor made here is listed for disposal. */
function splitTensors(data: Dataset, signalRows: number): SplitTensors {
  const signal = new Float32Array(data.size * signalRows);
  const onehot = new Float32Array(data.size * data.classes);
  for (let i = 0; i < data.size; i++) {
    signal[i * signalRows + data.signalCoord[i]!] = data.signalValue[i]!;
    onehot[i * data.classes + data.labels[i]!] = 1;
  }
  return {
    noise: tf.tensor2d(data.noise, [data.size, data.patchDim]),
    signal: tf.tensor2d(signal, [data.size, signalRows]),
    onehot: tf.tensor2d(onehot, [data.size, data.classes]),
    labels: tf.tensor1d(data.labels, "int32"),
    size: data.size,
  };
}

/** Uploads data and mask; the caller disposes them with `disposeModelTensors`. */
export function createModelTensors(spec: RunSpec, train: Dataset, test: Dataset, params: Parameters): ModelTensors {
  const signalRows = signalRowCount(spec);
  const trainSplit = splitTensors(train, signalRows);
  return {
    train: { ...trainSplit, noiseT: tf.transpose(trainSplit.noise), signalT: tf.transpose(trainSplit.signal) },
    test: splitTensors(test, signalRows),
    mask: tf.tensor2d(params.mask, [params.patchDim, params.classes * params.width]),
    classes: params.classes,
    width: params.width,
    patchDim: params.patchDim,
    signalRows,
    q: spec.model.q,
  };
}

export function disposeModelTensors(tensors: ModelTensors): void {
  const { train, test, mask } = tensors;
  tf.dispose([train.noise, train.signal, train.onehot, train.labels, train.noiseT, train.signalT, test.noise, test.signal, test.onehot, test.labels, mask]);
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
  /** ⟨w̃_{j,r}, ξ_i⟩, n × Km. */
  noiseProducts: tf.Tensor2D;
  /** ⟨w̃_{j,r}, μ_{y_i}⟩, n × Km. */
  signalProducts: tf.Tensor2D;
  /** F_j(x_i) = Σ_r σ(⟨w̃_{j,r}, μ_{y_i}⟩) + σ(⟨w̃_{j,r}, ξ_i⟩), n × K. */
  outputs: tf.Tensor2D;
}

export function forward(model: ModelTensors, split: SplitTensors, weights: tf.Tensor2D): Forward {
  const n = split.size;
  const noiseProducts = tf.matMul(split.noise, weights) as tf.Tensor2D;
  const signalWeights = tf.slice(weights, [0, 0], [model.signalRows, -1]);
  const signalProducts = tf.matMul(split.signal, signalWeights) as tf.Tensor2D;
  const activations = tf.add(activation(noiseProducts, model.q), activation(signalProducts, model.q));
  const outputs = tf.sum(tf.reshape(activations, [n, model.classes, model.width]), 2) as tf.Tensor2D;
  return { noiseProducts, signalProducts, outputs };
}

/** Mean softmax cross-entropy L_S and the 0-1 error of outputs F against the labels. */
export function lossAndError(outputs: tf.Tensor2D, split: SplitTensors): { loss: tf.Scalar; error: tf.Scalar } {
  const loss = tf.neg(tf.mean(tf.sum(tf.mul(split.onehot, tf.logSoftmax(outputs)), 1))) as tf.Scalar;
  const error = tf.mean(tf.cast(tf.notEqual(tf.argMax(outputs, 1), split.labels), "float32")) as tf.Scalar;
  return { loss, error };
}

/**
 * ∇_{W̃} L_S ⊙ M (§2): with ℓ'_{j,i} = logit_j(F, x_i) − 1[j = y_i],
 * ∇_{w̃_{j,r}} = (1/n) Σ_i ℓ'_{j,i} [σ'(⟨w̃_{j,r}, ξ_i⟩) ξ_i + σ'(⟨w̃_{j,r}, μ_{y_i}⟩) μ_{y_i}], masked by m_{j,r}.
 */
export function maskedGradient(model: ModelTensors, forwardPass: Forward): tf.Tensor2D {
  const { train } = model;
  const n = train.size;
  const columns = model.classes * model.width;
  const lossDerivative = tf.div(tf.sub(tf.softmax(forwardPass.outputs), train.onehot), n); // ℓ'_{j,i} / n
  const perFilter = tf.reshape(lossDerivative, [n, model.classes, 1]);
  const spread = (products: tf.Tensor2D): tf.Tensor2D =>
    tf.reshape(tf.mul(tf.reshape(activationDerivative(products, model.q), [n, model.classes, model.width]), perFilter), [n, columns]);
  const noiseGradient = tf.matMul(train.noiseT, spread(forwardPass.noiseProducts)); // Ξᵀ·G_ξ, d × Km
  const signalGradient = tf.matMul(train.signalT, spread(forwardPass.signalProducts)); // Sᵀ·G_μ, P × Km
  const padded = tf.pad(signalGradient, [[0, model.patchDim - model.signalRows], [0, 0]]);
  return tf.mul(tf.add(noiseGradient, padded), model.mask) as tf.Tensor2D;
}
