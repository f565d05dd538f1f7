import { finiteOrNull } from "./result.js";
import type { RunSpec } from "./spec.js";

/** The paper's scales for a spec; a number that is not finite (σn = 0) is null, since JSON has no Infinity. */
export interface TheoryScales {
  /** Theorem 3.1: mild pruning keeps generalization for density ≥ C₁·log d / m. */
  mildDensityScale: number;
  /** Theorem 4.1: over-pruning at density ≈ 1 / (K·m·log d). */
  overPruningDensityScale: number | null;
  /** Condition 2.2 (4) wants μ = Θ(σn·√d·log d): this ratio should be Θ(1). */
  conditionRatio: number | null;
  /** Expected |S_signal^j| = density·m: filters per class that keep their signal coordinate. */
  expectedSignalNeurons: number;
}



export function theoryScales(spec: RunSpec): TheoryScales {
  const d = spec.data.patchDim;
  const m = spec.model.width;
  const K = spec.data.classes;
  const logD = Math.log(d);
  return {
    mildDensityScale: logD / m,
    overPruningDensityScale: finiteOrNull(1 / (K * m * logD)),
    conditionRatio: finiteOrNull(spec.data.signalStrength / (spec.data.noiseStd * Math.sqrt(d) * logD)),
    expectedSignalNeurons: spec.pruning.density * m,
  };
}
