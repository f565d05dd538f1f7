import { meanCurve, summarizeFinals, type AggregateRow } from "./aggregate-stats.js";
import type { SyntheticRunResult } from "./result.js";
import { gridPoints, type SweepMember, type SweepSpec } from "./sweep.js";

/**
 * A synthetic sweep's aggregate: one row per grid point (the tables and curves of the paper's
 * Figure 2). `results[i]` belongs to `members[i]`; null where that member has no result (yet, or failed).
 */
export function aggregateSyntheticSweep(sweep: SweepSpec, members: readonly SweepMember[], results: readonly (SyntheticRunResult | null)[]): AggregateRow[] {
  return gridPoints(sweep.grid).map((point, pointIndex) => {
    const indices = members.flatMap((member, i) => (member.pointIndex === pointIndex ? [i] : []));
    const done = indices.map((i) => results[i]).filter((r): r is SyntheticRunResult => r != null);
    return {
      point: point as Record<string, number | string>,
      runs: indices.length,
      completed: done.length,
      diverged: done.filter((r) => r.diverged).length,
      missingSignalNeurons: done.filter((r) => r.diagnostics.signalNeurons.some((n) => n === 0)).length,
      final: summarizeFinals(done.map((r) => r.final)),
      curve: meanCurve(done.map((r) => r.curve)),
    };
  });
}
