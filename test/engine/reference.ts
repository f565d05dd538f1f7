import { toDenseInputs, type Dataset, type SyntheticRunSpec as RunSpec } from "../../src/core/index.js";

/**
 * A deliberately plain float64 implementation of the paper's loss (§2), written from the formula
 * on dense inputs x = [x1, x2], independent of the engine's layout tricks:
 * F_j(x) = Σ_r σ(⟨w̃_{j,r}, x1⟩) + σ(⟨w̃_{j,r}, x2⟩), L_S = mean_i −log softmax(F(x_i))_{y_i}.
 * `weights` is Km × d, row j·m + r the filter w̃_{j,r}.
 */
export function referenceLoss(spec: RunSpec, data: Dataset, weights: Float64Array): number {
  const d = spec.data.patchDim;
  const K = spec.data.classes;
  const m = spec.model.width;
  const q = spec.model.q;
  const x = toDenseInputs(data);
  const sigma = (z: number) => Math.max(0, z) ** q;
  let total = 0;
  for (let i = 0; i < data.size; i++) {
    const F = new Float64Array(K);
    for (let j = 0; j < K; j++) {
      for (let r = 0; r < m; r++) {
        for (const patch of [0, 1]) {
          let dot = 0;
          for (let k = 0; k < d; k++) dot += weights[(j * m + r) * d + k]! * x[i * 2 * d + patch * d + k]!;
          F[j]! += sigma(dot);
        }
      }
    }
    const top = Math.max(...F);
    const logSum = top + Math.log(F.reduce((a, f) => a + Math.exp(f - top), 0));
    total += logSum - F[data.labels[i]!]!;
  }
  return total / data.size;
}

/** Central finite differences of `referenceLoss` on the kept entries; pruned entries get 0. */
export function finiteDifferenceGradient(spec: RunSpec, data: Dataset, weights: Float64Array, mask: Float32Array, epsilon = 1e-6): Float64Array {
  const gradient = new Float64Array(weights.length);
  const probe = Float64Array.from(weights);
  for (let k = 0; k < weights.length; k++) {
    if (mask[k] === 0) continue;
    probe[k] = weights[k]! + epsilon;
    const up = referenceLoss(spec, data, probe);
    probe[k] = weights[k]! - epsilon;
    const down = referenceLoss(spec, data, probe);
    probe[k] = weights[k]!;
    gradient[k] = (up - down) / (2 * epsilon);
  }
  return gradient;
}
