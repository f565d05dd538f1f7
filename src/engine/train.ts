import * as tf from "@tensorflow/tfjs-core";
import {
  countSignalNeurons,
  filterRow,
  signalCoordinate,
  finiteOrNull,
  generateDataset,
  generateParameters,
  realizedDensity,
  theoryScales,
  type CurvePoint,
  type EngineInfo,
  type SyntheticRunResult as RunResult,
  type SyntheticRunSpec as RunSpec,
} from "../core/index.js";
import {
  createModelTensors,
  descend,
  disposeModelTensors,
  disposeWeights,
  forward,
  initialWeights,
  likelihood,
  maskedGradient,
  readWeights,
  tensorsOfWeights,
  scaledMask,
  zeroOneError,
  type ModelTensors,
  type Weights,
} from "./model.js";

export interface Progress {
  /** Gradient steps done. */
  step: number;
  steps: number;
  /** The training loss at the latest evaluation. */
  trainLoss: number | null;
}

/** tf.tidy for results holding Weights objects (tfjs types only plain tensor containers). */
function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}

/** What one tidy step hands back: the new weights and the scalars to read. */
interface Pass {
  loss?: tf.Scalar;
  next: Weights | null;
  trainError?: tf.Scalar;
  testLoss?: tf.Scalar;
  testError?: tf.Scalar;
  noiseAlignment?: tf.Scalar;
  /** Count of non-finite weights. */
  nonFiniteWeights?: tf.Scalar;
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

/** max_r ⟨w̃_{j,r}, μ_j⟩ per class j, read from W̃'s P signal columns (Km × P; Lemmas 3.2, 3.3). */
function signalAlignment(spec: RunSpec, model: ModelTensors, signalCols: Float32Array): (number | null)[] {
  return Array.from({ length: model.classes }, (_, j) => {
    const coordinate = signalCoordinate(spec, j);
    const value = spec.data.signal === "antipodal" && j === 1 ? -spec.data.signalStrength : spec.data.signalStrength; // μ_{−1} = −μ·e_1
    let best = -Infinity;
    for (let r = 0; r < model.width; r++) best = Math.max(best, value * signalCols[filterRow(model.width, j, r) * model.signalDims + coordinate]!);
    return finiteOrNull(best);
  });
}

/**
 * Trains the spec's pruned network by full-batch gradient descent (§2) and returns its curve,
 * final metrics and diagnostics. Pure computation on tfjs's current backend: no I/O, no clock.
 * Evaluates at step 0, every `evalEvery` steps and at the end; stops early as `diverged` when the
 * loss or any weight is non-finite at an evaluation (docs/architecture.md, Results and wire names).
 */
export async function train(spec: RunSpec, options: TrainOptions = {}): Promise<RunResult> {
  return (await trainWithWeights(spec, options)).result;
}

/** `train`, also returning the final masked weights W̃⁽ᵀ⁾ (Km × d, row j·m + r) for inspection. */
export async function trainWithWeights(spec: RunSpec, options: TrainOptions = {}): Promise<{ result: RunResult; weights: Float32Array }> {
  const { steps, evalEvery, learningRate } = spec.training;
  const trainData = generateDataset(spec, "train");
  const testData = generateDataset(spec, "test");
  const params = generateParameters(spec);
  const model = createModelTensors(spec, trainData, testData, params);
  // W̃⁽⁰⁾ = W⁽⁰⁾ ⊙ M; every update is masked too, so pruned weights stay exactly zero.
  let weights = initialWeights(model, params);
  const stepMask = scaledMask(model, learningRate / trainData.size); // η/n · M
  const curve: CurvePoint[] = [];
  let diverged = false;
  let lastLoss: number | null = null;
  let finalWeights: Float32Array;
  try {
    for (let step = 0; step <= steps; step++) {
      const evaluate = step % evalEvery === 0 || step === steps;
      const pass = tidy((): Pass => {
        // Zᵀ, F and, at evaluations, the metrics of W̃⁽ᵗ⁾; then W̃⁽ᵗ⁺¹⁾ = W̃⁽ᵗ⁾ − η·∇L_S ⊙ M
        const trainPass = forward(model, model.train, weights);
        if (!evaluate) {
          return { next: descend(weights, maskedGradient(model, trainPass, tf.softmax(trainPass.outputs) as tf.Tensor2D, stepMask)) };
        }
        const trainFit = likelihood(trainPass.outputs, model.train);
        const next = step < steps ? descend(weights, maskedGradient(model, trainPass, trainFit.probabilities, stepMask)) : null;
        const testOutputs = forward(model, model.test, weights).outputs;
        return {
          loss: trainFit.loss,
          next,
          trainError: zeroOneError(trainPass.outputs, model.train),
          testLoss: likelihood(testOutputs, model.test).loss,
          testError: zeroOneError(testOutputs, model.test),
          noiseAlignment: tf.max(tf.abs(trainPass.noiseProducts)) as tf.Scalar,
          nonFiniteWeights: tf.sum(tf.stack(tensorsOfWeights(weights).map((block) => tf.sum(tf.cast(tf.logicalNot(tf.isFinite(block)), "float32"))))) as tf.Scalar,
        };
      });
      if (pass.loss) {
        const read = (t: tf.Tensor | undefined) => (t ? finiteOrNull((t.dataSync() as Float32Array)[0]!) : null);
        lastLoss = read(pass.loss);
        // A non-finite weight never becomes finite again, so checking at evaluations loses no divergence;
        // the loss alone can hide it (σ(−∞) = 0 leaves F finite).
        diverged = lastLoss === null || read(pass.nonFiniteWeights) !== 0;
        const testLoss = read(pass.testLoss);
        curve.push({
          step,
          trainLoss: lastLoss,
          trainError: diverged ? null : read(pass.trainError),
          testLoss,
          testError: testLoss === null ? null : read(pass.testError),
          signalAlignment: signalAlignment(spec, model, weights.signalCols.dataSync() as Float32Array),
          noiseAlignment: read(pass.noiseAlignment),
        });
        tf.dispose([pass.loss, pass.trainError!, pass.testLoss!, pass.testError!, pass.noiseAlignment!, pass.nonFiniteWeights!]);
      }
      if (pass.next) {
        disposeWeights(weights);
        weights = pass.next;
      }
      options.onProgress?.({ step, steps, trainLoss: lastLoss });
      if (diverged) break;
      if (step < steps) {
        await yieldToEventLoop();
        options.signal?.throwIfAborted();
      }
    }
    finalWeights = readWeights(weights);
  } finally {
    disposeWeights(weights);
    disposeWeights(stepMask);
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
