import type { z } from "zod";
import type { Metrics, SyntheticRunResult as RunResult } from "./result.js";
import { METRIC_NAMES, type MetricName } from "./result-schema.js";
import { gridPoints, type SweepMember, type SweepSpec } from "./sweep.js";
import type { aggregateRowSchema, meanCurvePointSchema, statSchema } from "./views-schema.js";

/** Summary of one metric over the runs of a grid point; `std` is the sample standard deviation (n − 1). */
export type Stat = z.output<typeof statSchema>;
export type MeanCurvePoint = z.output<typeof meanCurvePointSchema>;
/** One grid point of a sweep's aggregate table (the tables and curves of the paper's Figure 2). */
export type AggregateRow = z.output<typeof aggregateRowSchema>;

/** Mean, sample std, min and max of the finite values. */
export function summarize(values: readonly (number | null)[]): Stat {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const n = finite.length;
  if (n === 0) return { n, mean: null, std: null, min: null, max: null };
  const mean = finite.reduce((a, b) => a + b, 0) / n;
  const std = n < 2 ? null : Math.sqrt(finite.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { n, mean, std, min: Math.min(...finite), max: Math.max(...finite) };
}

function meanCurve(results: readonly RunResult[]): MeanCurvePoint[] {
  const byStep = new Map<number, Metrics[]>();
  for (const result of results) {
    for (const point of result.curve) {
      const rows = byStep.get(point.step) ?? [];
      rows.push(point);
      byStep.set(point.step, rows);
    }
  }
  return [...byStep.entries()]
    .sort(([a], [b]) => a - b)
    .map(([step, rows]) => ({
      step,
      ...(Object.fromEntries(METRIC_NAMES.map((name) => [name, summarize(rows.map((row) => row[name])).mean])) as Record<
        MetricName,
        number | null
      >),
    }));
}

/**
 * Aggregates member results per grid point (the tables and curves of the paper's Figure 2).
 * `results[i]` belongs to `members[i]`; null where that member has no result (yet, or failed).
 */
export function aggregateSweep(sweep: SweepSpec, members: readonly SweepMember[], results: readonly (RunResult | null)[]): AggregateRow[] {
  return gridPoints(sweep.grid).map((point, pointIndex) => {
    const indices = members.flatMap((member, i) => (member.pointIndex === pointIndex ? [i] : []));
    const done = indices.map((i) => results[i]).filter((r): r is RunResult => r != null);
    return {
      point: point as Record<string, number | string>,
      runs: indices.length,
      completed: done.length,
      diverged: done.filter((r) => r.diverged).length,
      missingSignalNeurons: done.filter((r) => r.diagnostics.signalNeurons.some((n) => n === 0)).length,
      final: Object.fromEntries(METRIC_NAMES.map((name) => [name, summarize(done.map((r) => r.final[name]))])) as Record<MetricName, Stat>,
      curve: meanCurve(done),
    };
  });
}
