import type { AggregateRow } from "./aggregate-stats.js";
import { parameterLabel } from "./charts.js";
import { distinguishable } from "./aggregate-paired.js";
import { sparsityToDensity } from "./kinds/index.js";
import type { SweepSpec } from "./sweep.js";

/**
 * The layout of a regime map (docs/decisions/015-paired-comparisons-and-regime-maps.md): which two
 * grid keys are its axes, where each grid value and any value between them sit, and the cells with
 * what they colour. Pure.
 */

const DENSITY_KEY = "pruning.density";
/** One axis of a map: which grid key, how its values are drawn, and their cell bounds. */
export interface MapAxis {
  key: string;
  title: string;
  /** The values are spaced more evenly in log than linearly: a value between two of them is placed by log interpolation. */
  log: boolean;
  /** Density drawn as sparsity (1 − density), on a linear axis. */
  asSparsity: boolean;
}

/** One cell of a map: a grid point's position and bounds on the drawn axes, and what is coloured. */
export interface MapCell {
  /** Position: the index of the grid value among the axis's values in drawn order (sparsity when density is drawn as sparsity), and the cell's bounds. */
  x: number;
  y: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  /** The grid values, as the sweep has them. */
  xValue: number;
  yValue: number;
  runs: number;
  completed: number;
  testError: number | null;
  trainError: number | null;
  /** Mean paired change in test error against the dense run of the same seed; null without a dense reference or pairs. */
  paired: number | null;
  pairedSe: number | null;
  pairs: number;
  improved: number;
  /** |paired| < 2 standard errors (or it cannot be told): outlined as not distinguishable from 0. */
  marked: boolean;
  /** The cell's label: the paired change in points of test error (×100), or `–`. */
  label: string;
}

/** The two numeric axes of a sweep's map (the density axis first, as x), or null when the sweep has none. */
export function mapAxes(sweep: SweepSpec): { x: MapAxis; y: MapAxis } | null {
  const varied = Object.entries(sweep.grid).filter(([, values]) => values.length > 1);
  if (varied.length !== 2 || !varied.every(([, values]) => values.every((v) => typeof v === "number" && Number.isFinite(v)))) return null;
  const ordered = varied.sort(([a], [b]) => Number(b === DENSITY_KEY) - Number(a === DENSITY_KEY));
  const [xAxis, yAxis] = ordered.map(([key, values]) => axisOf(key, values as number[]));
  return { x: xAxis!, y: yAxis! };
}

/** Whether values are spaced more evenly in log than linearly (all positive, at least three). */
function logSpaced(values: readonly number[]): boolean {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length < 3 || sorted[0]! <= 0) return sorted.length === 2 && sorted[0]! > 0 && sorted[1]! / sorted[0]! >= 10;
  const spread = (steps: number[]) => {
    const mean = steps.reduce((a, b) => a + b, 0) / steps.length;
    return Math.sqrt(steps.reduce((a, b) => a + (b - mean) ** 2, 0) / steps.length) / mean;
  };
  const linear = sorted.slice(1).map((v, i) => v - sorted[i]!);
  const logarithmic = sorted.slice(1).map((v, i) => Math.log(v / sorted[i]!));
  return spread(logarithmic) < spread(linear);
}

function axisOf(key: string, values: readonly number[]): MapAxis {
  const log = logSpaced(values);
  if (key === DENSITY_KEY) {
    return log
      ? { key, title: "density (fraction of weights kept)", log, asSparsity: false }
      : { key, title: "sparsity (fraction of weights pruned)", log, asSparsity: true };
  }
  return { key, title: `${parameterLabel(key)}${parameterLabel(key) === key ? "" : ` (${key})`}`, log, asSparsity: false };
}

/** A grid value as drawn on its axis. */
const drawn = (axis: MapAxis, value: number) => (axis.asSparsity ? sparsityToDensity(value) : value);

/**
 * Where an axis puts its values: one column (or row) per grid value, equal widths, in ascending
 * order of the drawn value, at positions 0, 1, …; a value between two grid values sits between
 * their columns, interpolated in log on a log-spaced axis. Null beyond half a column past either end.
 */
export function axisPositions(axis: MapAxis, values: readonly number[]): { sorted: number[]; at(value: number): number | null } {
  const sorted = [...new Set(values.map((v) => drawn(axis, v)))].sort((a, b) => a - b);
  const scale = (v: number) => (axis.log ? Math.log(v) : v);
  return {
    sorted,
    at(value: number) {
      const d = drawn(axis, value);
      if (sorted.length === 1) return d === sorted[0] ? 0 : null;
      if (axis.log && d <= 0) return null;
      const i = Math.max(0, Math.min(sorted.length - 2, sorted.findIndex((_, k) => k === sorted.length - 1 || sorted[k + 1]! >= d)));
      const position = i + (scale(d) - scale(sorted[i]!)) / (scale(sorted[i + 1]!) - scale(sorted[i]!));
      return position >= -0.5 && position <= sorted.length - 0.5 ? position : null;
    },
  };
}

/** The map's cells: one per aggregate row with a value on both axes (rows that share a cell leave the map undrawn). */
export function mapCells(sweep: SweepSpec, rows: readonly AggregateRow[]): MapCell[] {
  const axes = mapAxes(sweep);
  if (!axes) return [];
  const xs = axisPositions(axes.x, sweep.grid[axes.x.key] as number[]);
  const ys = axisPositions(axes.y, sweep.grid[axes.y.key] as number[]);
  return rows.map((row) => {
    const xValue = row.point[axes.x.key] as number;
    const yValue = row.point[axes.y.key] as number;
    const x = xs.sorted.indexOf(drawn(axes.x, xValue));
    const y = ys.sorted.indexOf(drawn(axes.y, yValue));
    const [x0, x1, y0, y1] = [x - 0.5, x + 0.5, y - 0.5, y + 0.5];
    const paired = row.paired;
    const mean = paired?.mean ?? null;
    return {
      x,
      y,
      x0,
      x1,
      y0,
      y1,
      xValue,
      yValue,
      runs: row.runs,
      completed: row.completed,
      testError: row.final.testError.mean,
      trainError: row.final.trainError.mean,
      paired: mean,
      pairedSe: paired?.se ?? null,
      pairs: paired?.n ?? 0,
      improved: paired?.improved ?? 0,
      marked: mean !== null && distinguishable(paired) !== true,
      label: mean === null ? "–" : `${mean > 0 ? "+" : ""}${(100 * mean).toFixed(1)}`,
    };
  });
}

/** Whether a sweep has a map: two numeric axes, and one aggregate row per cell. */
export function hasMap(sweep: SweepSpec, rows: readonly AggregateRow[]): boolean {
  const axes = mapAxes(sweep);
  if (!axes) return false;
  const cells = new Set(rows.map((row) => JSON.stringify([row.point[axes.x.key], row.point[axes.y.key]])));
  return cells.size === rows.length && rows.every((row) => typeof row.point[axes.x.key] === "number" && typeof row.point[axes.y.key] === "number");
}
