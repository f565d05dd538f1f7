import { createStream } from "./rng.js";
import type { SyntheticRunSpec as RunSpec } from "./kinds/synthetic.js";

/**
 * Initial weights and the pruning mask, laid out (K·m) × d: row j·m + r is the filter w_{j,r} of the
 * paper (§2), column k its input coordinate. Draws run in the paper's order (j, r, k).
 */
export interface Parameters {
  patchDim: number;
  classes: number;
  width: number;
  /** W⁽⁰⁾ with entries N(0, σ0²), unmasked. */
  weights: Float32Array;
  /** M with entries i.i.d. Bernoulli(density), 1 kept, 0 pruned. */
  mask: Float32Array;
}

export function filterRow(width: number, classIndex: number, filter: number): number {
  return classIndex * width + filter;
}

/** Draws W⁽⁰⁾ and M. The mask uses u < density on its own stream, so masks of one seed are nested across densities. */
export function generateParameters(spec: RunSpec): Parameters {
  const { classes, patchDim } = spec.data;
  const { width, initStd } = spec.model;
  const weights = new Float32Array(classes * width * patchDim);
  const mask = new Float32Array(classes * width * patchDim);
  const initRng = createStream(spec.seed, "init");
  const maskRng = createStream(spec.seed, "mask");
  const density = spec.pruning.density;
  for (let j = 0; j < classes; j++) {
    for (let r = 0; r < width; r++) {
      const offset = filterRow(width, j, r) * patchDim;
      for (let k = 0; k < patchDim; k++) {
        weights[offset + k] = initStd * initRng.normal();
        mask[offset + k] = maskRng.uniform() < density ? 1 : 0;
      }
    }
  }
  return { patchDim, classes, width, weights, mask };
}

/** The fraction of mask entries kept (the realized, not the requested, density). */
export function realizedDensity(mask: Float32Array): number {
  let kept = 0;
  for (let k = 0; k < mask.length; k++) kept += mask[k]!;
  return mask.length === 0 ? 0 : kept / mask.length;
}

/** The coordinate that carries class j's signal μ_j: e_j for `basis`, e_1 for both `antipodal` classes. */
export function signalCoordinate(spec: RunSpec, classIndex: number): number {
  return spec.data.signal === "basis" ? classIndex : 0;
}

/** |S_signal^j| per class (§2): filters of class j whose mask keeps the signal coordinate of μ_j. */
export function countSignalNeurons(spec: RunSpec, params: Parameters): number[] {
  return Array.from({ length: params.classes }, (_, j) => {
    const coordinate = signalCoordinate(spec, j);
    let count = 0;
    for (let r = 0; r < params.width; r++) count += params.mask[filterRow(params.width, j, r) * params.patchDim + coordinate]!;
    return count;
  });
}
