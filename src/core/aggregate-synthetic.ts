import { pairedDifferences, type PairedSample } from "./aggregate-paired.js";
import { meanCurve, summarizeFinals, type AggregateRow } from "./aggregate-stats.js";
import type { SyntheticRunResult } from "./result.js";
import { gridPoints, type SweepMember, type SweepSpec } from "./sweep.js";

const DENSITY_KEY = "pruning.density";

/**
 * A synthetic sweep's aggregate: one row per grid point (the tables and curves of the paper's
 * Figure 2). `results[i]` belongs to `members[i]`; null where that member has no result (yet, or failed).
 * When the grid has a density axis, each row also compares its test error with the point of
 * density 1 and the same other grid values, seed by seed (`paired`).
 */
export function aggregateSyntheticSweep(sweep: SweepSpec, members: readonly SweepMember[], results: readonly (SyntheticRunResult | null)[]): AggregateRow[] {
  const points = gridPoints(sweep.grid);
  const paired = pairedDifferences(points.length, DENSITY_KEY in sweep.grid ? pairedSamples(points, members, results) : []);
  return points.map((point, pointIndex) => {
    const indices = members.flatMap((member, i) => (member.pointIndex === pointIndex ? [i] : []));
    const done = indices.map((i) => results[i]).filter((r): r is SyntheticRunResult => r != null);
    return {
      point: point as Record<string, number | string>,
      runs: indices.length,
      completed: done.length,
      diverged: done.filter((r) => r.diverged).length,
      missingSignalNeurons: done.filter((r) => r.diagnostics.signalNeurons.some((n) => n === 0)).length,
      final: summarizeFinals(done.map((r) => r.final)),
      paired: paired[pointIndex] ?? null,
      curve: meanCurve(done.map((r) => r.curve)),
    };
  });
}

/** Each member as pairing reads it: its point's other grid values are the key, density 1 is the reference. */
function pairedSamples(points: ReturnType<typeof gridPoints>, members: readonly SweepMember[], results: readonly (SyntheticRunResult | null)[]): PairedSample[] {
  return members.map((member, i) => {
    const { [DENSITY_KEY]: density, ...others } = points[member.pointIndex]!;
    const result = results[i];
    return {
      row: member.pointIndex,
      keys: [JSON.stringify(others)],
      dense: density === 1,
      seed: member.spec.seed,
      value: result && !result.diverged ? result.final.testError : null,
    };
  });
}
