import * as tf from "@tensorflow/tfjs-core";
import { createStream, type Mask, type PrunableLayer } from "../../core/index.js";

/**
 * A ReLU MLP with softmax cross-entropy, written for tfjs's WASM backend
 * (docs/decisions/013-image-kind.md; the layout argument of docs/decisions/003-engine-layout.md).
 * On that backend a product with a transposed operand (`transposeA`/`transposeB`) runs on a slow
 * generic path, 10–40× slower than the plain one, and tfjs's automatic gradient of MatMul uses
 * one. So the backward pass is written by hand and every product is untransposed, transposing only
 * the small batch-sized operands explicitly:
 *   forward        h_l = relu(h_{l−1} · W_l + b_l)          W_l stored [in, out]
 *   weight grad    ∂W_l = transpose(h_{l−1}) · δ_l           [in, B] · [B, out]
 *   input grad     δ_{l−1} = transpose(W_l · transpose(δ_l)) ⊙ 1[h_{l−1} > 0]
 * Measured for batch 128 on 784-1024-1024-10 (one thread): ∂W₂ 650 → 11 ms, δ₁ 115 → 11 ms.
 * On the host (init, pruning, checkpoints) weights are PyTorch's [out, in], row-major.
 */

export interface MlpLayer {
  /** `fc1`, `fc2`, …: the last one is the output layer. */
  name: string;
  inputs: number;
  outputs: number;
  /** Every weight matrix but the output layer's; biases never. */
  prunable: boolean;
}

export function mlpLayers(inputs: number, hidden: readonly number[], classes: number): MlpLayer[] {
  const sizes = [inputs, ...hidden, classes];
  return hidden.concat(classes).map((outputs, l) => ({ name: `fc${l + 1}`, inputs: sizes[l]!, outputs, prunable: l < hidden.length }));
}

/** The prunable layers as the pruning maths sees them: PyTorch's [out, in] shapes. */
export const prunableLayers = (layers: readonly MlpLayer[]): PrunableLayer[] => layers.filter((layer) => layer.prunable).map((layer) => ({ name: layer.name, shape: [layer.outputs, layer.inputs] }));

/** Parameters on the host, PyTorch's layout: weights [out, in] row-major, biases [out]. */
export interface HostParameters {
  weights: Float32Array[];
  biases: Float32Array[];
}

/**
 * Kaiming-normal weights N(0, 2 / fan_in) and zero biases, drawn on the host from the seed's
 * `init` stream, layer after layer in [out, in] row-major order: identical on every backend.
 */
export function kaimingInit(layers: readonly MlpLayer[], seed: number): HostParameters {
  const random = createStream(seed, "init");
  return {
    weights: layers.map((layer) => {
      const std = Math.sqrt(2 / layer.inputs);
      const w = new Float32Array(layer.inputs * layer.outputs);
      for (let k = 0; k < w.length; k++) w[k] = std * random.normal();
      return w;
    }),
    biases: layers.map((layer) => new Float32Array(layer.outputs)),
  };
}

/** A rows × cols row-major matrix transposed. */
export function transposeHost(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[row + c]!;
  }
  return out;
}

/** Parameters on the device: weights [in, out], biases [out]. */
export interface MlpTensors {
  weights: tf.Tensor2D[];
  biases: tf.Tensor1D[];
}

/**
 * Uploads host parameters, each prunable layer's weights multiplied by its mask first (`masks` in
 * prunable-layer order; null for none), so pruned weights start exactly zero.
 */
export function uploadParameters(layers: readonly MlpLayer[], host: HostParameters, masks: readonly Mask[] | null): MlpTensors {
  let prunable = 0;
  return {
    weights: layers.map((layer, l) => {
      let w = host.weights[l]!;
      if (layer.prunable && masks) {
        const mask = masks[prunable++]!;
        w = w.map((value, k) => (mask[k] ? value : 0));
      }
      return tf.tensor2d(transposeHost(w, layer.outputs, layer.inputs), [layer.inputs, layer.outputs]);
    }),
    biases: layers.map((_, l) => tf.tensor1d(host.biases[l]!.slice())),
  };
}

export function downloadParameters(layers: readonly MlpLayer[], params: MlpTensors): HostParameters {
  return {
    weights: layers.map((layer, l) => transposeHost(params.weights[l]!.dataSync() as Float32Array, layer.inputs, layer.outputs)),
    biases: params.biases.map((b) => Float32Array.from(b.dataSync() as Float32Array)),
  };
}

/** Masks as multipliers on the device ([in, out], 1 kept, 0 pruned); null where a layer has none or keeps everything. */
export function uploadMasks(layers: readonly MlpLayer[], masks: readonly Mask[] | null): (tf.Tensor2D | null)[] {
  let prunable = 0;
  return layers.map((layer) => {
    if (!layer.prunable || !masks) return null;
    const mask = masks[prunable++]!;
    if (mask.every((bit) => bit === 1)) return null;
    return tf.tensor2d(transposeHost(Float32Array.from(mask), layer.outputs, layer.inputs), [layer.inputs, layer.outputs]);
  });
}

export const disposeParameters = (params: MlpTensors): void => tf.dispose([...params.weights, ...params.biases]);

/** The activations h_0 = x, h_1 … h_{L−1} and the logits. */
export function forward(params: MlpTensors, x: tf.Tensor2D): { activations: tf.Tensor2D[]; logits: tf.Tensor2D } {
  const activations = [x];
  const last = params.weights.length - 1;
  for (let l = 0; l < last; l++) {
    activations.push(tf.fused.matMul({ a: activations[l]!, b: params.weights[l]!, bias: params.biases[l]!, activation: "relu" }) as tf.Tensor2D);
  }
  return { activations, logits: tf.fused.matMul({ a: activations[last]!, b: params.weights[last]!, bias: params.biases[last]! }) as tf.Tensor2D };
}

/** log softmax of each row, stably: z − max − log Σ exp(z − max). */
function logSoftmax(logits: tf.Tensor2D): tf.Tensor2D {
  const shifted = tf.sub(logits, tf.max(logits, 1, true));
  return tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), 1, true)));
}

export interface Gradients {
  /** Mean cross-entropy of the batch (not scaled). */
  loss: tf.Scalar;
  weights: tf.Tensor2D[];
  biases: tf.Tensor1D[];
}

/**
 * Mean softmax cross-entropy of a batch (`targets` one-hot) and its gradient times `scale`, by
 * hand (see above). The scale multiplies ∂loss/∂logits, a batch × classes tensor, so a learning
 * rate folded in there costs nothing where multiplying the weight gradients would cost one pass
 * over every weight. Call inside tf.tidy.
 */
export function lossAndGradients(params: MlpTensors, x: tf.Tensor2D, targets: tf.Tensor2D, scale = 1): Gradients {
  const { activations, logits } = forward(params, x);
  const batch = x.shape[0];
  const logProbabilities = logSoftmax(logits);
  const loss = tf.div(tf.neg(tf.sum(tf.mul(targets, logProbabilities))), batch) as tf.Scalar;
  let delta = tf.mul(tf.sub(tf.exp(logProbabilities), targets), scale / batch) as tf.Tensor2D; // scale · ∂loss/∂logits
  const layers = params.weights.length;
  const weights: tf.Tensor2D[] = new Array(layers);
  const biases: tf.Tensor1D[] = new Array(layers);
  for (let l = layers - 1; l >= 0; l--) {
    const input = activations[l]!;
    weights[l] = tf.matMul(tf.transpose(input) as tf.Tensor2D, delta);
    biases[l] = tf.sum(delta, 0);
    if (l > 0) delta = tf.mul(tf.transpose(tf.matMul(params.weights[l]!, tf.transpose(delta))), tf.step(input)) as tf.Tensor2D;
  }
  return { loss, weights, biases };
}

/** Summed cross-entropy and count of misclassified examples of a batch (`targets` one-hot, `labels` int32). Call inside tf.tidy. */
export function evaluateBatch(params: MlpTensors, x: tf.Tensor2D, targets: tf.Tensor2D, labels: tf.Tensor1D): { lossSum: tf.Scalar; errors: tf.Scalar } {
  const { logits } = forward(params, x);
  return {
    lossSum: tf.neg(tf.sum(tf.mul(targets, logSoftmax(logits)))) as tf.Scalar,
    errors: tf.sum(tf.cast(tf.notEqual(tf.argMax(logits, 1), labels), "float32")) as tf.Scalar,
  };
}

export interface SgdSettings {
  learningRate: number;
  /** The previous step's learning rate (differs at the first step after a milestone); default `learningRate`. */
  previousLearningRate?: number;
  momentum: number;
  weightDecay: number;
}

/** SGD state: the parameters and, with momentum, one buffer per parameter (lr · PyTorch's buffer: see sgdStep). */
export interface SgdState {
  params: MlpTensors;
  buffers: MlpTensors | null;
}

/**
 * One SGD step with PyTorch's semantics (torch.optim.SGD, no dampening, no Nesterov):
 * g = ∂ + wd·w; buf = momentum·buf + g; w −= lr·buf. Weight decay applies to biases too, as
 * `SGD(model.parameters())` does. Every pass over the weights costs as much as a small product on
 * this backend, so the step works in units of the learning rate: it takes u = lr·∂ (the gradients
 * of `lossAndGradients` with scale lr) and keeps v = lr·buf, so that
 *   u ← u ⊙ mask + (lr·wd)·w;  v ← momentum·(lr / previous lr)·v + u;  w ← w − v,
 * the same update in exact arithmetic with one pass fewer (the default MLP, without momentum or
 * weight decay, masked: w − u ⊙ mask, two passes). A pruned weight's gradient is masked, so its u,
 * v and w stay exactly zero: the same as masking w and buf after the update, with one product
 * instead of two. Returns the new state; the caller disposes the old. Call inside tf.tidy.
 */
export function sgdStep(state: SgdState, scaled: Gradients, masks: readonly (tf.Tensor2D | null)[], settings: SgdSettings): SgdState {
  const { learningRate, momentum, weightDecay } = settings;
  const carry = momentum * (learningRate / (settings.previousLearningRate ?? learningRate));
  const step = <T extends tf.Tensor>(value: T, update: T, mask: tf.Tensor | null, buffer: T | undefined): [T, T | undefined] => {
    let u: tf.Tensor = mask ? tf.mul(update, mask) : update;
    if (weightDecay > 0) u = tf.add(u, tf.mul(value, learningRate * weightDecay));
    let nextBuffer: tf.Tensor | undefined;
    if (buffer) {
      nextBuffer = tf.add(tf.mul(buffer, carry), u);
      u = nextBuffer;
    }
    return [tf.sub(value, u) as T, nextBuffer as T | undefined];
  };
  const weights = state.params.weights.map((w, l) => step(w, scaled.weights[l]!, masks[l] ?? null, state.buffers?.weights[l]));
  const biases = state.params.biases.map((b, l) => step(b, scaled.biases[l]!, null, state.buffers?.biases[l]));
  return {
    params: { weights: weights.map(([w]) => w), biases: biases.map(([b]) => b) },
    buffers: state.buffers ? { weights: weights.map(([, buf]) => buf!), biases: biases.map(([, buf]) => buf!) } : null,
  };
}

/** One training step on a batch: the gradient scaled by the learning rate, then `sgdStep`. Call inside tf.tidy. */
export function trainStep(state: SgdState, x: tf.Tensor2D, targets: tf.Tensor2D, masks: readonly (tf.Tensor2D | null)[], settings: SgdSettings): SgdState {
  return sgdStep(state, lossAndGradients(state.params, x, targets, settings.learningRate), masks, settings);
}

/** Zero momentum buffers shaped like the parameters, or null without momentum. */
export function createBuffers(params: MlpTensors, momentum: number): MlpTensors | null {
  return momentum > 0 ? { weights: params.weights.map((w) => tf.zerosLike(w)), biases: params.biases.map((b) => tf.zerosLike(b)) } : null;
}

/** How many parameter values are not finite (NaN or ±∞): a diverged run has some. */
export function nonFiniteCount(params: MlpTensors): number {
  return tf.tidy(() => tf.addN([...params.weights, ...params.biases].map((t) => tf.sum(tf.cast(tf.logicalNot(tf.isFinite(t)), "float32")))).dataSync()[0]!);
}
