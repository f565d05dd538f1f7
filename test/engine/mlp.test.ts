import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { createStream } from "../../src/core/index.js";
import {
  createBuffers,
  disposeParameters,
  downloadParameters,
  kaimingInit,
  lossAndGradients,
  mlpLayers,
  trainStep,
  transposeHost,
  uploadMasks,
  uploadParameters,
  type HostParameters,
  type MlpLayer,
  type SgdState,
} from "../../src/engine/image/mlp.js";
import { useNodeBackend } from "../../src/engine/node.js";

/**
 * A deliberately plain float64 MLP loss, written from the formula on PyTorch's [out, in] weights:
 * h_l = relu(W_l h_{l−1} + b_l), logits without relu, mean over the batch of −log softmax_y.
 */
function referenceLoss(layers: readonly MlpLayer[], weights: Float64Array[], biases: Float64Array[], x: Float64Array, labels: Uint8Array): number {
  const batch = labels.length;
  let total = 0;
  for (let i = 0; i < batch; i++) {
    let h = Array.from(x.subarray(i * layers[0]!.inputs, (i + 1) * layers[0]!.inputs));
    layers.forEach((layer, l) => {
      const next = new Array<number>(layer.outputs).fill(0);
      for (let o = 0; o < layer.outputs; o++) {
        let z = biases[l]![o]!;
        for (let k = 0; k < layer.inputs; k++) z += weights[l]![o * layer.inputs + k]! * h[k]!;
        next[o] = l < layers.length - 1 ? Math.max(0, z) : z;
      }
      h = next;
    });
    const top = Math.max(...h);
    total += top + Math.log(h.reduce((sum, z) => sum + Math.exp(z - top), 0)) - h[labels[i]!]!;
  }
  return total / batch;
}

function finiteDifferences(parameters: Float64Array[], loss: () => number, epsilon = 1e-6): Float64Array[] {
  return parameters.map((values) =>
    values.map((value, k) => {
      values[k] = value + epsilon;
      const up = loss();
      values[k] = value - epsilon;
      const down = loss();
      values[k] = value;
      return (up - down) / (2 * epsilon);
    }),
  );
}

/** Relative tolerance of float32 gradients against float64 finite differences, on the gradient's scale. */
const TOLERANCE = 2e-4;

const hostTensors = (layers: MlpLayer[], host: HostParameters) => uploadParameters(layers, host, null);

describe.each(["cpu", "wasm"] as const)("the hand-written MLP gradient on the %s backend", (backend) => {
  it.each([
    { name: "two hidden layers", inputs: 6, hidden: [5, 4], classes: 3, batch: 7, seed: 1 },
    { name: "one hidden layer, one example", inputs: 4, hidden: [9], classes: 4, batch: 1, seed: 2 },
    { name: "three hidden layers", inputs: 5, hidden: [6, 5, 4], classes: 2, batch: 11, seed: 3 },
  ])("equals float64 finite differences: $name", async ({ inputs, hidden, classes, batch, seed }) => {
    await useNodeBackend(backend);
    const layers = mlpLayers(inputs, hidden, classes);
    const host = kaimingInit(layers, seed);
    const random = createStream(seed, "trainData");
    host.biases.forEach((b) => b.forEach((_, k) => (b[k] = 0.3 * random.normal()))); // nonzero biases take part too
    const x = Float32Array.from({ length: batch * inputs }, () => random.normal());
    const labels = Uint8Array.from({ length: batch }, () => random.int(classes));
    const targets = new Float32Array(batch * classes);
    labels.forEach((label, i) => (targets[i * classes + label] = 1));
    const before = tf.memory().numTensors;
    const params = hostTensors(layers, host);
    const { loss, weights, biases } = tf.tidy(() => {
      const g = lossAndGradients(params, tf.tensor2d(x, [batch, inputs]), tf.tensor2d(targets, [batch, classes]));
      return {
        loss: g.loss.dataSync()[0]!,
        weights: g.weights.map((w, l) => transposeHost(w.dataSync() as Float32Array, layers[l]!.inputs, layers[l]!.outputs)),
        biases: g.biases.map((b) => Float32Array.from(b.dataSync() as Float32Array)),
      };
    });
    disposeParameters(params);
    expect(tf.memory().numTensors).toBe(before);

    const weights64 = host.weights.map((w) => Float64Array.from(w));
    const biases64 = host.biases.map((b) => Float64Array.from(b));
    const x64 = Float64Array.from(x);
    const lossOf = () => referenceLoss(layers, weights64, biases64, x64, labels);
    expect(loss).toBeCloseTo(lossOf(), 5);
    const reference = finiteDifferences([...weights64, ...biases64], lossOf);
    const engine = [...weights, ...biases];
    const scale = Math.max(...reference.flatMap((g) => Array.from(g, Math.abs)));
    expect(scale).toBeGreaterThan(1e-2); // the check is not vacuous
    reference.forEach((g, p) => g.forEach((value, k) => expect(Math.abs(engine[p]![k]! - value)).toBeLessThan(TOLERANCE * scale)));
  });
});

describe("SGD on a pruned MLP", () => {
  it.each(["cpu", "wasm"] as const)("keeps pruned weights and their momentum exactly zero, with momentum 0.9 and weight decay (%s)", async (backend) => {
    await useNodeBackend(backend);
    const layers = mlpLayers(8, [10, 6], 3);
    const host = kaimingInit(layers, 4);
    const random = createStream(4, "mask");
    // fc1 and fc2 pruned at random (half kept); the output layer is never pruned
    const masks = [layers[0]!, layers[1]!].map((layer) => Uint8Array.from({ length: layer.inputs * layer.outputs }, () => (random.uniform() < 0.5 ? 1 : 0)));
    const before = tf.memory().numTensors;
    const maskTensors = uploadMasks(layers, masks);
    let state: SgdState = { params: uploadParameters(layers, host, masks), buffers: null };
    state.buffers = createBuffers(state.params, 0.9);
    for (let step = 0; step < 12; step++) {
      const next = tf.tidy(() => {
        const x = tf.tensor2d(Float32Array.from({ length: 16 * 8 }, () => random.normal()), [16, 8]);
        const targets = tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from({ length: 16 }, () => random.int(3)), "int32"), 3), "float32") as tf.Tensor2D;
        return trainStep(state, x, targets, maskTensors, { learningRate: 0.5, momentum: 0.9, weightDecay: 1e-4 }) as unknown as tf.TensorContainer;
      }) as unknown as SgdState;
      disposeParameters(state.params);
      disposeParameters(state.buffers!);
      state = next;
    }
    const trained = downloadParameters(layers, state.params);
    const buffers = downloadParameters(layers, state.buffers!);
    masks.forEach((mask, l) => {
      let moved = 0;
      mask.forEach((bit, k) => {
        if (!bit) {
          expect(trained.weights[l]![k]).toBe(0);
          expect(buffers.weights[l]![k]).toBe(0);
        } else if (trained.weights[l]![k] !== host.weights[l]![k]) moved++;
      });
      expect(moved).toBeGreaterThan(0.9 * mask.reduce((a, b) => a + b, 0)); // the kept weights did train
    });
    expect(trained.weights[2]!.every((w, k) => w !== host.weights[2]![k])).toBe(true); // the output layer is not pruned
    disposeParameters(state.params);
    disposeParameters(state.buffers!);
    tf.dispose(maskTensors.filter((m): m is tf.Tensor2D => m !== null));
    expect(tf.memory().numTensors).toBe(before);
  });

  it("follows PyTorch's SGD update: g = ∂ + wd·w, buf = μ·buf + g, w −= lr·buf, across a learning-rate change", async () => {
    await useNodeBackend("cpu");
    const layers = mlpLayers(3, [2], 2);
    const host = kaimingInit(layers, 5);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const params = uploadParameters(layers, host, null);
      const x = tf.tensor2d([0.5, -1, 2, 1, 0.25, -0.5], [2, 3]);
      const targets = tf.tensor2d([1, 0, 0, 1], [2, 2]);
      const read = (t: tf.Tensor) => Array.from(t.dataSync());
      const state0: SgdState = { params, buffers: createBuffers(params, 0.9) };
      const state1 = trainStep(state0, x, targets, [null, null], { learningRate: 0.3, momentum: 0.9, weightDecay: 0.01 });
      // a milestone: the buffer keeps its unscaled sum, the new rate applies to all of it
      const state2 = trainStep(state1, x, targets, [null, null], { learningRate: 0.03, previousLearningRate: 0.3, momentum: 0.9, weightDecay: 0.01 });
      const g0 = lossAndGradients(state0.params, x, targets);
      const g1 = lossAndGradients(state1.params, x, targets);
      const tensors = (s: { weights: tf.Tensor[]; biases: tf.Tensor[] }) => [...s.weights, ...s.biases];
      tensors(params).forEach((p0, k) => {
        const w0 = read(p0);
        const w1 = read(tensors(state1.params)[k]!);
        const d0 = read(tensors(g0)[k]!).map((g, i) => g + 0.01 * w0[i]!);
        const d1 = read(tensors(g1)[k]!).map((g, i) => g + 0.01 * w1[i]!);
        const buf2 = d1.map((g, i) => 0.9 * d0[i]! + g);
        w1.forEach((w, i) => expect(w).toBeCloseTo(w0[i]! - 0.3 * d0[i]!, 6));
        read(tensors(state2.params)[k]!).forEach((w, i) => expect(w).toBeCloseTo(w1[i]! - 0.03 * buf2[i]!, 6));
        expect(Math.max(...d1.map(Math.abs))).toBeGreaterThan(1e-3); // not vacuous
      });
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
