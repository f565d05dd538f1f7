import { finiteOrNull, type TheoryScales } from "./result.js";
import type { SyntheticRunSpec as RunSpec } from "./kinds/synthetic.js";

/** The paper's scales for a spec (the shape is `theoryScalesSchema`); a number that is not finite (σn = 0) is null. */
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
