import type { z } from "zod";
import type { pairedDifferenceSchema } from "./views-schema.js";

/**
 * Paired comparisons against the dense network (docs/decisions/015-paired-comparisons-and-regime-maps.md).
 * Within one seed, the members of a sweep that differ only in density share their data, their
 * initial weights and (for random masks) nested masks, so the seed-to-seed spread of test error is
 * mostly common to them. The difference to the dense run of the same seed removes it; its mean
 * and standard error say whether pruning changed what the network learns more precisely than two
 * unpaired means can.
 */
export type PairedDifference = z.output<typeof pairedDifferenceSchema>;

/** The metric paired comparisons are made on. */
export const PAIRED_METRIC = "testError" as const;

/** One member's contribution to one aggregate row, as pairing reads it. */
export interface PairedSample {
  /** Index of the aggregate row it belongs to. */
  row: number;
  /**
   * Keys of the dense references it may be compared with, most specific first: the values of
   * every grid key but density (and, where a kind has them, method and variant). The first key
   * that has any dense sample is the row's reference; its dense sample of the same seed is the
   * pair.
   */
  keys: readonly string[];
  /** Whether this sample is itself a dense (density 1) reference. */
  dense: boolean;
  seed: number;
  /** The member's test error; null without a finite one (not finished, failed, diverged). */
  value: number | null;
}

/**
 * The paired difference of each row: for every seed with a finite value at the row and at its
 * dense reference, value − reference; then their mean, sample std, standard error (std / √n),
 * and how many seeds improved (difference < 0) or worsened (> 0). Null for a row with no dense
 * reference (a grid without density 1 among the values that share its other grid values).
 */
export function pairedDifferences(rows: number, samples: readonly PairedSample[]): (PairedDifference | null)[] {
  const references = new Map<string, Map<number, number | null>>();
  for (const sample of samples) {
    if (!sample.dense) continue;
    for (const key of sample.keys) {
      const bySeed = references.get(key) ?? new Map<number, number | null>();
      if (!bySeed.has(sample.seed)) bySeed.set(sample.seed, sample.value);
      references.set(key, bySeed);
    }
  }
  const differences: (number[] | null)[] = Array.from({ length: rows }, () => null);
  for (const sample of samples) {
    const key = sample.keys.find((candidate) => references.has(candidate));
    if (key === undefined) continue;
    const found = (differences[sample.row] ??= []);
    const reference = references.get(key)!.get(sample.seed);
    if (isFiniteNumber(sample.value) && isFiniteNumber(reference)) found.push(sample.value - reference);
  }
  return differences.map((found) => (found ? summarizeDifferences(found) : null));
}

/** Mean, sample std, standard error and the signs of paired differences. */
export function summarizeDifferences(differences: readonly number[]): PairedDifference {
  const n = differences.length;
  const mean = n === 0 ? null : differences.reduce((a, b) => a + b, 0) / n;
  const std = n < 2 || mean === null ? null : Math.sqrt(differences.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return {
    metric: PAIRED_METRIC,
    n,
    mean,
    std,
    se: std === null ? null : std / Math.sqrt(n),
    improved: differences.filter((d) => d < 0).length,
    worsened: differences.filter((d) => d > 0).length,
  };
}

/** How far a paired mean is from 0 in standard errors must exceed this for the change to count as distinguishable from 0. */
export const DISTINGUISHABLE_SE = 2;

/** Whether a paired difference is distinguishable from 0: |mean| ≥ 2 standard errors (null when it cannot be told: fewer than two pairs). */
export function distinguishable(paired: PairedDifference | null): boolean | null {
  if (!paired || paired.mean === null || paired.se === null) return null;
  return Math.abs(paired.mean) >= DISTINGUISHABLE_SE * paired.se && paired.mean !== 0;
}

const isFiniteNumber = (value: number | null | undefined): value is number => typeof value === "number" && Number.isFinite(value);
