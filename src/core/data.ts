import { createStream, type StreamName } from "./rng.js";
import type { SyntheticRunSpec as RunSpec } from "./kinds/synthetic.js";

/**
 * A data set of the paper's model (Definition 2.1, §5.1) in structured form. Each sample
 * x = [x1, x2] has one signal patch μ_y with a single nonzero coordinate and one noise patch ξ.
 */
export interface Dataset {
  size: number;
  patchDim: number;
  classes: number;
  /** y_i ∈ [0, K). For `antipodal`, label 0 is the paper's y = +1 and label 1 is y = −1. */
  labels: Int32Array;
  /** The coordinate k where μ_{y_i} is nonzero. */
  signalCoord: Int32Array;
  /** The value μ_{y_i}[k]: +μ, or −μ for the antipodal class −1. */
  signalValue: Float32Array;
  /** 1 where the signal is x1 (the first patch), 0 where it is x2. */
  signalFirst: Uint8Array;
  /** ξ_i, row-major n × d, entries N(0, σn²). */
  noise: Float32Array;
}

export type Split = "train" | "test";

const STREAMS_OF: Record<Split, { data: StreamName; noise: StreamName }> = {
  train: { data: "trainData", noise: "trainNoise" },
  test: { data: "testData", noise: "testNoise" },
};

/** Draws the train or test set of a spec. Pure and deterministic: same spec, same bytes. */
export function generateDataset(spec: RunSpec, split: Split): Dataset {
  const { classes, patchDim, signal, signalStrength, signalPatch, noiseStd } = spec.data;
  const size = split === "train" ? spec.data.trainSize : spec.data.testSize;
  const dataRng = createStream(spec.seed, STREAMS_OF[split].data);
  const noiseRng = createStream(spec.seed, STREAMS_OF[split].noise);

  const labels = new Int32Array(size);
  const signalCoord = new Int32Array(size);
  const signalValue = new Float32Array(size);
  const signalFirst = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    const y = dataRng.int(classes); // Definition 2.1 (1): y uniform over [K]
    labels[i] = y;
    if (signal === "basis") {
      signalCoord[i] = y; // μ_k = μ·e_k
      signalValue[i] = signalStrength;
    } else {
      signalCoord[i] = 0; // §5.1: ±μ·e_1
      signalValue[i] = y === 0 ? signalStrength : -signalStrength;
    }
    signalFirst[i] = signalPatch === "first" || dataRng.uniform() < 0.5 ? 1 : 0;
  }

  const noise = new Float32Array(size * patchDim);
  for (let k = 0; k < noise.length; k++) noise[k] = noiseStd * noiseRng.normal(); // ξ ~ N(0, σn² I_d)

  return { size, patchDim, classes, labels, signalCoord, signalValue, signalFirst, noise };
}

/** The dense input x = [x1, x2] ∈ R^{2d} of every sample, row-major n × 2d (for baselines and export). */
export function toDenseInputs(data: Dataset): Float32Array {
  const d = data.patchDim;
  const out = new Float32Array(data.size * 2 * d);
  for (let i = 0; i < data.size; i++) {
    const signalOffset = i * 2 * d + (data.signalFirst[i] ? 0 : d);
    const noiseOffset = i * 2 * d + (data.signalFirst[i] ? d : 0);
    out[signalOffset + data.signalCoord[i]!] = data.signalValue[i]!;
    out.set(data.noise.subarray(i * d, (i + 1) * d), noiseOffset);
  }
  return out;
}
