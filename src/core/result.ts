import type { TheoryScales } from "./theory.js";

/** Loss and 0-1 error on both sets; null where a number was not finite (a diverged run). */
export interface Metrics {
  trainLoss: number | null;
  trainError: number | null;
  testLoss: number | null;
  testError: number | null;
}

export const METRIC_NAMES = ["trainLoss", "trainError", "testLoss", "testError"] as const satisfies readonly (keyof Metrics)[];

/** One evaluation during training (DESIGN §1, §5 pinned names). */
export interface CurvePoint extends Metrics {
  step: number;
  /** max_r ⟨w̃_{j,r}, μ_j⟩ per class j (Lemmas 3.2, 3.3). */
  signalAlignment: (number | null)[];
  /** max_{j,r,i} |⟨w̃_{j,r}, ξ_i⟩| over the training noise. */
  noiseAlignment: number | null;
}

export interface Diagnostics {
  /** |S_signal^j| per class: filters whose mask keeps the signal coordinate. */
  signalNeurons: number[];
  realizedDensity: number;
  theory: TheoryScales;
}

export interface RunResult {
  final: Metrics;
  curve: CurvePoint[];
  diagnostics: Diagnostics;
  /** The loss became non-finite; training stopped there (DESIGN §2). */
  diverged: boolean;
}

/** Which engine computed a result: part of its provenance, never of its identity. */
export interface EngineInfo {
  tfjs: string;
  backend: string;
  simd: boolean;
  threads: number;
}

/** JSON carries no NaN or Infinity: such numbers are null on the wire. */
export function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
