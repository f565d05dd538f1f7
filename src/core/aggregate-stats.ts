import type { z } from "zod";
import type { Metrics } from "./result.js";
import { METRIC_NAMES, type MetricName } from "./result-schema.js";
import type { aggregateRowSchema, meanCurvePointSchema, statSchema } from "./views-schema.js";

/** Summary of one metric over the runs of a grid point; `std` is the sample standard deviation (n − 1). */
export type Stat = z.output<typeof statSchema>;
export type MeanCurvePoint = z.output<typeof meanCurvePointSchema>;
/** One row of a sweep's aggregate table (the tables and curves of the paper's Figures 2 and 3). */
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

/** Each metric summarized over the given finals. */
export function summarizeFinals(finals: readonly Metrics[]): Record<MetricName, Stat> {
  return Object.fromEntries(METRIC_NAMES.map((name) => [name, summarize(finals.map((final) => final[name]))])) as Record<MetricName, Stat>;
}

/** A curve's points as aggregation reads them: where (a step, or an image run's epoch) and the four metrics. */
export type CurveSample = Metrics & { step: number };

/** The mean of each metric at each step over the curves that reached it (finite values only), steps ascending. */
export function meanCurve(curves: readonly (readonly CurveSample[])[]): MeanCurvePoint[] {
  const byStep = new Map<number, Metrics[]>();
  for (const curve of curves) {
    for (const point of curve) {
      const rows = byStep.get(point.step) ?? [];
      rows.push(point);
      byStep.set(point.step, rows);
    }
  }
  return [...byStep.entries()]
    .sort(([a], [b]) => a - b)
    .map(([step, rows]) => ({
      step,
      ...(Object.fromEntries(METRIC_NAMES.map((name) => [name, summarize(rows.map((row) => row[name])).mean])) as Record<MetricName, number | null>),
    }));
}
