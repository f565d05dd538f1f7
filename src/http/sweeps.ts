import { csvFormatRows } from "d3-dsv";
import type { z } from "zod";
import { METRIC_NAMES, aggregateSweep, densityToSparsity, sweepStatus, type AggregateRow, type StatusCounts, type SweepMember, type SweepSpec, type sweepViewSchema } from "../core/index.js";
import type { MemberState, SweepRow } from "../store/index.js";

const DENSITY_KEY = "pruning.density";
const SPARSITY_KEY = "pruning.sparsity";

/** The wire shape of a sweep: `sweepViewSchema`, the `Sweep` component of openapi.yaml. */
export type SweepView = z.output<typeof sweepViewSchema>;

/** A sweep's view: status from its members, counts, member hashes and the aggregate table. */
export function toSweepView(row: SweepRow, spec: SweepSpec, expanded: SweepMember[], members: MemberState[], counts: StatusCounts, notice: string | null = null): SweepView {
  const results = members.map((member) => (member.status === "succeeded" ? member.result : null));
  return {
    hash: row.hash,
    status: sweepStatus(counts),
    size: row.size,
    spec,
    counts,
    members: members.map((member) => ({ hash: member.runHash, status: member.status, pointIndex: member.pointIndex, repeat: member.repeat })),
    aggregate: aggregateSweep(spec, expanded, results),
    notice,
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * The aggregate as CSV (quoted by d3-dsv, lines ending in \n): one row per grid point (an image sweep: per method and density,
 * `pruning.method`, `pruning.density` and for IMP `pruning.level`), mean/std/min/max of each final metric.
 * A density column gets a `pruning.sparsity` column right after it: a grid written as sparsity is stored as density
 * (docs/decisions/002-spec-hash.md), and the CSV gives back the values asked for, rounded like the spec's conversion.
 * Then the paired comparison with the dense run of the same seed (`pairedTestError_mean`, `_std`, `_se`, `_n`, `_improved`,
 * `_worsened`; docs/decisions/015-paired-comparisons-and-regime-maps.md).
 * A count that does not apply (`missingSignalNeurons` of an image sweep, a paired comparison without a dense point) and a
 * point value a row has not are empty cells.
 * Columns are only ever added, never moved or renamed: other tools read them.
 */
export function toAggregateCsv(rows: AggregateRow[]): string {
  const keys = [...new Set(rows.flatMap((row) => Object.keys(row.point)))];
  const columns = keys.flatMap((key) => (key === DENSITY_KEY ? [key, SPARSITY_KEY] : [key]));
  const stats = ["mean", "std", "min", "max"] as const;
  const paired = ["mean", "std", "se", "n", "improved", "worsened"] as const;
  const header = [
    ...columns,
    "runs",
    "completed",
    "diverged",
    "missingSignalNeurons",
    ...METRIC_NAMES.flatMap((metric) => stats.map((stat) => `${metric}_${stat}`)),
    ...paired.map((field) => `pairedTestError_${field}`),
  ];
  const lines = rows.map((row) =>
    [
      ...columns.map((column) => (column === SPARSITY_KEY ? densityToSparsity(row.point[DENSITY_KEY] as number) : (row.point[column] ?? null))),
      row.runs,
      row.completed,
      row.diverged,
      row.missingSignalNeurons,
      ...METRIC_NAMES.flatMap((metric) => stats.map((stat) => row.final[metric][stat])),
      ...paired.map((field) => row.paired?.[field] ?? null),
    ].map((value) => (value === null ? "" : String(value))),
  );
  return `${csvFormatRows([header, ...lines])}\n`;
}
