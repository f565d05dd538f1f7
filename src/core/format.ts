import type { Stat } from "./aggregate.js";
import type { MetricName } from "./result-schema.js";
import { sparsityToDensity } from "./spec.js";

/** Text for people, shared by the pages and the CLI so both print the same numbers. */
export const fixed = (value: number | null | undefined, digits = 3): string => (value === null || value === undefined ? "–" : value.toFixed(digits));

/** `0.414 ± 0.037`; the mean alone when there is one run, `–` when there is none. */
export const meanStd = (stat: Stat): string => (stat.mean === null ? "–" : stat.std === null ? fixed(stat.mean) : `${fixed(stat.mean)} ± ${fixed(stat.std)}`);

/** The final metrics in words, for table headers (the wire keeps the camelCase names). */
export const METRIC_LABELS: Record<MetricName, string> = {
  trainLoss: "train loss",
  trainError: "train error",
  testLoss: "test loss",
  testError: "test error",
};

/**
 * Sparsity (the fraction pruned, §5) of a stored density: 1 − density rounded to 12 significant
 * digits, the same rounding that turned the sparsity asked for into the stored density
 * (docs/decisions/002-spec-hash.md), so `sparsity 0.3`, stored as density 0.7, comes back as 0.3,
 * not 0.30000000000000004.
 */
export const densityToSparsity = (density: number): number => sparsityToDensity(density);
