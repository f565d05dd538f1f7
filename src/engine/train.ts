import * as tf from "@tensorflow/tfjs-core";
import {
  countSignalNeurons,
  finiteOrNull,
  generateDataset,
  generateParameters,
  realizedDensity,
  theoryScales,
  type CurvePoint,
  type EngineInfo,
  type RunResult,
  type RunSpec,
} from "../core/index.js";
import { createModelTensors, disposeModelTensors, forward, lossAndError, maskedGradient, type ModelTensors } from "./model.js";

export interface Progress {
  /** Gradient steps done. */
  step: number;
  steps: number;
  trainLoss: number | null;
}

export interface TrainOptions {
  /** Aborting stops training within one step with the signal's reason. */
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

/** Lets the event loop run (other requests, heartbeats, cancellation) between steps. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

/** The engine that computes results here, for provenance. */
export function engineInfo(): EngineInfo {
  const backend = tf.getBackend();
  return { tfjs: tf.version_core, backend, simd: backend === "wasm", threads: 1 };
}

/** max_r ⟨w̃_{j,r}, μ_j⟩ per class j, read from the P signal rows of W̃ (Lemmas 3.2, 3.3). */
function signalAlignment(spec: RunSpec, model: ModelTensors, signalRows: Float32Array): (number | null)[] {
  const columns = model.classes * model.width;
  return Array.from({ length: model.classes }, (_, j) => {
    const antipodalNegative = spec.data.signal === "antipodal" && j === 1;
    const row = spec.data.signal === "basis" ? j : 0;
    const value = antipodalNegative ? -spec.data.signalStrength : spec.data.signalStrength;
    let best = -Infinity;
    for (let r = 0; r < model.width; r++) best = Math.max(best, value * signalRows[row * columns + j * model.width + r]!);
    return finiteOrNull(best);
  });
}

/**
 * Trains the spec's pruned network by full-batch gradient descent (§2) and returns its curve,
 * final metrics and diagnostics. Pure computation on tfjs's current backend: no I/O, no clock.
 * Evaluates at step 0, every `evalEvery` steps and at the end; stops early as `diverged` when the
 * training loss becomes non-finite (DESIGN §2).
 */
export async function train(spec: RunSpec, options: TrainOptions = {}): Promise<RunResult> {
  return (await trainWithWeights(spec, options)).result;
}

/** `train`, also returning the final masked weights W̃⁽ᵀ⁾ (d × Km, column j·m + r) for inspection. */
export async function trainWithWeights(spec: RunSpec, options: TrainOptions = {}): Promise<{ result: RunResult; weights: Float32Array }> {
  const { steps, evalEvery, learningRate } = spec.training;
  const trainData = generateDataset(spec, "train");
  const testData = generateDataset(spec, "test");
  const params = generateParameters(spec);
  const model = createModelTensors(spec, trainData, testData, params);
  const columns = model.classes * model.width;
  // W̃⁽⁰⁾ = W⁽⁰⁾ ⊙ M; every update is masked too, so pruned weights stay exactly zero.
  let weights = tf.tidy(() => tf.mul(tf.tensor2d(params.weights, [model.patchDim, columns]), model.mask)) as tf.Tensor2D;
  const curve: CurvePoint[] = [];
  let diverged = false;
  let finalWeights: Float32Array;
  try {
    for (let step = 0; step <= steps; step++) {
      const evaluate = step % evalEvery === 0 || step === steps;
      const pass = tf.tidy(() => {
        const trainPass = forward(model, model.train, weights);
        const trainMetrics = lossAndError(trainPass.outputs, model.train);
        const next = step < steps ? tf.sub(weights, tf.mul(maskedGradient(model, trainPass), learningRate)) : weights.clone();
        if (!evaluate) return { loss: trainMetrics.loss, next };
        const testMetrics = lossAndError(forward(model, model.test, weights).outputs, model.test);
        return {
          loss: trainMetrics.loss,
          next,
          trainError: trainMetrics.error,
          testLoss: testMetrics.loss,
          testError: testMetrics.error,
          noiseAlignment: tf.max(tf.abs(trainPass.noiseProducts)),
          signalRows: tf.slice(weights, [0, 0], [model.signalRows, -1]),
        };
      });
      const trainLoss = (pass.loss.dataSync() as Float32Array)[0]!;
      diverged = !Number.isFinite(trainLoss);
      if (evaluate || diverged) {
        const read = (t: tf.Tensor | undefined) => (t ? finiteOrNull((t.dataSync() as Float32Array)[0]!) : null);
        const testLoss = read(pass.testLoss);
        curve.push({
          step,
          trainLoss: finiteOrNull(trainLoss),
          trainError: diverged ? null : read(pass.trainError),
          testLoss,
          testError: testLoss === null ? null : read(pass.testError),
          signalAlignment: pass.signalRows ? signalAlignment(spec, model, pass.signalRows.dataSync() as Float32Array) : [],
          noiseAlignment: read(pass.noiseAlignment),
        });
      }
      tf.dispose([weights, ...Object.values(pass).filter((t) => t !== pass.next)]);
      weights = pass.next as tf.Tensor2D;
      options.onProgress?.({ step, steps, trainLoss: finiteOrNull(trainLoss) });
      if (diverged) break;
      if (step < steps) {
        await yieldToEventLoop();
        options.signal?.throwIfAborted();
      }
    }
    finalWeights = weights.dataSync() as Float32Array;
  } finally {
    weights.dispose();
    disposeModelTensors(model);
  }
  const last = curve[curve.length - 1]!;
  const result: RunResult = {
    final: { trainLoss: last.trainLoss, trainError: last.trainError, testLoss: last.testLoss, testError: last.testError },
    curve,
    diagnostics: {
      signalNeurons: countSignalNeurons(spec, params),
      realizedDensity: realizedDensity(params.mask),
      theory: theoryScales(spec),
    },
    diverged,
  };
  return { result, weights: finalWeights };
}
