import { distinguishable } from "./aggregate-paired.js";
import type { AggregateRow } from "./aggregate-stats.js";
import { CHART_CONFIG, MIN_CHART_FONT_SIZE, VEGA_LITE_SCHEMA, chartTitle, parameterLabel, type VegaLiteSpec } from "./charts.js";
import type { TheoryScales } from "./result.js";
import { sparsityToDensity } from "./kinds/index.js";
import type { GridPoint, SweepSpec } from "./sweep.js";

/**
 * Regime maps (docs/decisions/015-paired-comparisons-and-regime-maps.md): a sweep with two numeric
 * axes drawn as heatmaps — mean test error, the paired change in test error against the dense run
 * of the same seed on a diverging scale centred at 0 (cells where it is not distinguishable from 0
 * outlined), and mean training error in a small map — with the theory's density scales and the
 * Condition 2.2 ratio drawn where they fall on the axes. Pure: rows in, a Vega-Lite spec out.
 */

const DENSITY_KEY = "pruning.density";

/** Names of the map's marks (tests and the viewer find them by name). */
export const MAP_MARKS = {
  testError: "map-test-error",
  paired: "map-paired",
  marked: "map-not-distinguishable",
  trainError: "map-train-error",
  theory: "map-theory",
} as const;

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

/** One drawn theory line segment: a vertical (x) or horizontal (y) rule across one row or column of cells. */
export interface TheorySegment {
  scale: "mild pruning: log d / m" | "over-pruning: 1/(K m log d)" | "one signal neuron per class: 1/m" | "Condition 2.2 ratio = 1";
  /** Where the line is, in the grid's own units (a density, a noise level). */
  value: number;
  x?: number;
  y?: number;
  /** Span of the segment along the other axis. */
  from: number;
  to: number;
}

/** A kind's theory at a grid point (synthetic: the paper's scales for the point's spec); null where none applies. */
export type TheoryAt = (point: GridPoint) => TheoryScales | null;

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

/**
 * The theory's lines on the map: the mild-pruning density log d / m, the over-pruning density
 * 1/(K m log d) and the density 1/m at which a class keeps one filter seeing its signal on
 * average (Theorem 4.1's mechanism), as vertical segments per row (when x is density), each where
 * it falls inside the grid; and Condition 2.2's ratio μ/(σn √d log d) = 1 where it crosses between two rows or
 * columns. Also returns what the subtitle says of each, drawn or not.
 */
export function theorySegments(sweep: SweepSpec, cells: readonly MapCell[], theoryAt: TheoryAt): { segments: TheorySegment[]; notes: string[] } {
  const axes = mapAxes(sweep);
  if (!axes || cells.length === 0) return { segments: [], notes: [] };
  const pointOf = (cell: MapCell): GridPoint => ({ ...Object.fromEntries(Object.entries(sweep.grid).map(([key, values]) => [key, values[0]!])), [axes.x.key]: cell.xValue, [axes.y.key]: cell.yValue });
  const theories = cells.map((cell) => theoryAt(pointOf(cell)));
  if (theories.some((theory) => theory === null)) return { segments: [], notes: [] };
  const xPositions = axisPositions(axes.x, sweep.grid[axes.x.key] as number[]);
  const yPositions = axisPositions(axes.y, sweep.grid[axes.y.key] as number[]);
  const xs = cells.flatMap((cell) => [cell.x0, cell.x1]);
  const ys = cells.flatMap((cell) => [cell.y0, cell.y1]);
  const [xMin, xMax, yMin, yMax] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const segments: TheorySegment[] = [];
  const notes: string[] = [];
  const range = (values: number[]) => {
    const [lo, hi] = [Math.min(...values), Math.max(...values)];
    return lo === hi ? format(lo) : `${format(lo)}–${format(hi)}`;
  };

  if (axes.x.key === DENSITY_KEY) {
    // Theorem 4.1's mechanism: a class loses every filter that sees its signal when density · m falls below about 1
    // (expectedSignalNeurons is density · m at the cell's own density, so this is 1/m)
    const oneSignalNeuron = (theory: TheoryScales, cell: MapCell) => (theory.expectedSignalNeurons > 0 ? Number((cell.xValue / theory.expectedSignalNeurons).toPrecision(12)) : null);
    const scales = [
      ["mild pruning: log d / m", (theory: TheoryScales) => theory.mildDensityScale, "solid"],
      ["over-pruning: 1/(K m log d)", (theory: TheoryScales) => theory.overPruningDensityScale, "dashed"],
      ["one signal neuron per class: 1/m", oneSignalNeuron, "dash-dot"],
    ] as const;
    for (const [scale, valueOf, style] of scales) {
      const rowsSeen = new Map<number, number>();
      cells.forEach((cell, i) => {
        const density = valueOf(theories[i]!, cell);
        if (density !== null) rowsSeen.set(cell.y, density);
      });
      const values = [...rowsSeen.values()];
      if (values.length === 0) continue;
      let inside = 0;
      for (const [y, density] of rowsSeen) {
        const x = xPositions.at(density);
        const cell = cells.find((c) => c.y === y)!;
        if (x !== null) {
          segments.push({ scale, value: density, x, from: cell.y0, to: cell.y1 });
          inside++;
        }
      }
      notes.push(`${scale} = ${range(values)} (${style}${inside === 0 ? ", outside the grid" : ""})`);
    }
  }

  const ratios = theories.map((theory) => theory!.conditionRatio);
  if (ratios.every((ratio): ratio is number => ratio !== null)) {
    const crossing = ratioCrossing(cells, ratios as number[], { x: xPositions.sorted, y: yPositions.sorted }, { x: axes.x, y: axes.y });
    if (crossing) segments.push(...crossing(xMin, xMax, yMin, yMax));
    notes.push(`Condition 2.2 ratio μ/(σn √d log d) = ${range(ratios as number[])}${crossing ? " (dotted: ratio 1)" : ", the theory asks for Θ(1)"}`);
  }
  return { segments, notes };
}

/** Where the Condition 2.2 ratio crosses 1 between neighbouring rows (or columns), when it varies along one axis only. */
function ratioCrossing(
  cells: readonly MapCell[],
  ratios: number[],
  sorted: { x: number[]; y: number[] },
  axes: { x: MapAxis; y: MapAxis },
): ((xMin: number, xMax: number, yMin: number, yMax: number) => TheorySegment[]) | null {
  const along = (coordinate: "x" | "y") => {
    const byValue = new Map<number, Set<number>>();
    cells.forEach((cell, i) => byValue.set(cell[coordinate], (byValue.get(cell[coordinate]) ?? new Set()).add(ratios[i]!)));
    return [...byValue.entries()].every(([, set]) => set.size === 1) ? [...byValue.entries()].map(([value, set]) => [value, [...set][0]!] as const).sort((a, b) => a[0] - b[0]) : null;
  };
  for (const coordinate of ["y", "x"] as const) {
    const line = along(coordinate);
    if (!line || new Set(line.map(([, ratio]) => ratio)).size < 2) continue;
    for (let i = 1; i < line.length; i++) {
      const [a, ra] = line[i - 1]!;
      const [b, rb] = line[i]!;
      if ((ra - 1) * (rb - 1) > 0) continue;
      // interpolate in log ratio: the ratio is a power law in every parameter it has
      const t = Math.log(ra) === Math.log(rb) ? 0.5 : Math.log(ra) / (Math.log(ra) - Math.log(rb));
      const at = a + t * (b - a);
      // the grid value there: the ratio's power law interpolated between the two grid values
      const [va, vb] = [sorted[coordinate][a]!, sorted[coordinate][b]!];
      const drawnValue = axes[coordinate].log ? va * (vb / va) ** t : va + t * (vb - va);
      const value = axes[coordinate].asSparsity ? sparsityToDensity(drawnValue) : drawnValue;
      return (xMin, xMax, yMin, yMax) =>
        coordinate === "y"
          ? [{ scale: "Condition 2.2 ratio = 1", value, y: at, from: xMin, to: xMax }]
          : [{ scale: "Condition 2.2 ratio = 1", value, x: at, from: yMin, to: yMax }];
    }
  }
  return null;
}

const format = (value: number) => (value >= 0.01 && value < 1000 ? String(Number(value.toPrecision(2))) : value.toExponential(1));

/** A map's width should stay within this (px), so a page shows it at its own size. */
export const MAX_MAP_WIDTH = 1000;
/** What the two maps side by side add to their cells: axes, titles, legends and the space between (px, measured on a rendered map). */
const PANEL_EXTRA = 620;

/** Side of a cell in the two large maps, px; the training-error map's cells are half as large. */
const CELL = 48;

/**
 * A sweep's regime map: mean test error and the paired change in test error side by side, mean
 * training error below, small. `theoryAt` gives the theory's scales at a point (null where the
 * kind has none). Throws when the sweep has no map (callers check `hasMap`).
 */
export function regimeMap(sweep: SweepSpec, rows: readonly AggregateRow[], title: string, subtitle: string | undefined, theoryAt: TheoryAt): VegaLiteSpec {
  const axes = mapAxes(sweep);
  if (!axes || !hasMap(sweep, rows)) throw new Error("this sweep has no regime map: it needs exactly two numeric grid axes with one aggregate row per cell");
  const cells = mapCells(sweep, rows);
  const { segments, notes } = theorySegments(sweep, cells, theoryAt);
  const columns = new Set(cells.map((cell) => cell.x)).size;
  const rowsCount = new Set(cells.map((cell) => cell.y)).size;
  const width = Math.max(200, columns * CELL);
  const height = Math.max(160, rowsCount * CELL);
  // one column per grid value: a linear scale over the positions, labelled with the values
  const encodingOf = (axis: MapAxis, field: string) => {
    const { sorted } = axisPositions(axis, sweep.grid[axis.key] as number[]);
    const labels = sorted.map((value) => String(Number(value.toPrecision(6))));
    return {
      field,
      type: "quantitative",
      title: axis.title,
      scale: { domain: [-0.5, sorted.length - 0.5], nice: false, zero: false },
      axis: { values: sorted.map((_, i) => i), labelExpr: `${JSON.stringify(labels).replaceAll('"', "'")}[datum.value]`, grid: false, labelFlush: false, labelOverlap: "greedy" },
    };
  };
  const x = encodingOf(axes.x, "x0");
  const y = encodingOf(axes.y, "y0");
  const position = { x, x2: { field: "x1" }, y, y2: { field: "y1" } };
  const tooltip = [
    { field: "xValue", title: axes.x.key },
    { field: "yValue", title: axes.y.key },
    { field: "testError", title: "test error (mean)", format: ".3f" },
    { field: "trainError", title: "train error (mean)", format: ".3f" },
    { field: "paired", title: "paired change in test error", format: "+.3f" },
    { field: "pairedSe", title: "its standard error", format: ".3f" },
    { field: "improved", title: "seeds improved" },
    { field: "pairs", title: "seeds paired" },
  ];
  const maxError = Math.max(0.05, ...cells.map((cell) => cell.testError ?? 0));
  const maxChange = Math.max(0.01, ...cells.map((cell) => Math.abs(cell.paired ?? 0)));
  const maxTrain = Math.max(0.05, ...cells.map((cell) => cell.trainError ?? 0));
  const theoryLayers = (panelName: string) => (segments.length === 0 ? [] : [{ name: `${panelName}-${MAP_MARKS.theory}`, ...theoryLayer(segments, x, y) }]);
  const panel = (name: string, field: string, panelTitle: string, color: Record<string, unknown>, extra: VegaLiteSpec[] = []): VegaLiteSpec => ({
    title: { text: panelTitle, fontSize: 14, anchor: "start" },
    width,
    height,
    data: { name: "cells" },
    layer: [
      { name, transform: [{ filter: `datum.${field} !== null` }], mark: { type: "rect", stroke: "white", strokeWidth: 0.5 }, encoding: { ...position, color: { field, type: "quantitative", ...color }, tooltip } },
      ...extra,
      ...theoryLayers(name),
    ],
  });
  const text = (field: string, threshold: number) => ({
    mark: { type: "text", fontSize: MIN_CHART_FONT_SIZE },
    encoding: {
      x: { ...x, field: "x" },
      y: { ...y, field: "y" },
      text: { field },
      color: { condition: { test: `abs(datum.paired) > ${threshold}`, value: "white" }, value: "black" },
    },
  });
  const testPanel = panel(MAP_MARKS.testError, "testError", "mean test error", {
    title: "test error",
    scale: { scheme: "viridis", reverse: true, domain: [0, maxError] },
  });
  const pairedPanel = panel(
    MAP_MARKS.paired,
    "paired",
    "Δ test error vs dense, paired (×100)",
    { title: "Δ test error", scale: { scheme: "redblue", reverse: true, domain: [-maxChange, maxChange], domainMid: 0 } },
    [
      {
        name: MAP_MARKS.marked,
        transform: [{ filter: "datum.marked" }],
        mark: { type: "rect", fill: null, stroke: "#555", strokeWidth: 1.5, strokeDash: [4, 3] },
        encoding: position,
      },
      { ...text("label", 0.6 * maxChange), transform: [{ filter: "datum.paired !== null" }] },
    ],
  );
  const trainPanel = {
    ...panel(MAP_MARKS.trainError, "trainError", "mean train error (≈ 0 in the paper)", { title: "train error", scale: { scheme: "orangered", domain: [0, maxTrain] } }),
    width: Math.max(160, columns * (CELL / 2)),
    height: Math.max(90, rowsCount * (CELL / 2)),
  };
  const legend = [
    "Paired change: test error minus the dense run's of the same seed, mean over seeds (blue: pruning helps).",
    "Outlined with dashes: |mean| < 2 standard errors, not distinguishable from 0.",
    ...notes.map((note) => `Theory: ${note}.`),
  ];
  return {
    $schema: VEGA_LITE_SCHEMA,
    // Vega estimates text widths generously; at 80 characters a line the subtitle stays inside the maps' width
    title: { ...chartTitle(title), subtitle: [...(subtitle ? wordWrap(subtitle) : []), ...legend.flatMap((line) => wordWrap(line))] },
    datasets: { cells, theory: segments },
    // side by side while the two maps fit in MAX_MAP_WIDTH, else one above the other
    vconcat: 2 * width + PANEL_EXTRA <= MAX_MAP_WIDTH ? [{ hconcat: [testPanel, pairedPanel], spacing: 24, resolve: { scale: { color: "independent" } } }, trainPanel] : [testPanel, pairedPanel, trainPanel],
    spacing: 32,
    resolve: { scale: { color: "independent" } },
    config: CHART_CONFIG,
  };
}

/** Splits text into lines of at most `width` characters between words. */
function wordWrap(text: string, width = 80): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

/** Each theory line's dash pattern: solid, dashed, dash-dot, dotted. */
const THEORY_STYLES: [TheorySegment["scale"], number[]][] = [
  ["mild pruning: log d / m", [1, 0]],
  ["over-pruning: 1/(K m log d)", [6, 4]],
  ["one signal neuron per class: 1/m", [8, 3, 2, 3]],
  ["Condition 2.2 ratio = 1", [2, 2]],
];

/** The theory's lines: rules along rows (density scales) or across the map (ratio 1), styled by scale. */
function theoryLayer(segments: readonly TheorySegment[], x: Record<string, unknown>, y: Record<string, unknown>): VegaLiteSpec {
  const drawn = new Set(segments.map((segment) => segment.scale));
  const vertical = segments.some((segment) => segment.x !== undefined);
  const horizontal = segments.some((segment) => segment.y !== undefined);
  const style = {
    field: "scale",
    type: "nominal",
    title: "theory",
    scale: { domain: THEORY_STYLES.map(([scale]) => scale).filter((scale) => drawn.has(scale)), range: THEORY_STYLES.filter(([scale]) => drawn.has(scale)).map(([, dash]) => dash) },
    legend: { orient: "bottom", direction: "vertical", labelLimit: 260 },
  };
  const layers: VegaLiteSpec[] = [];
  if (vertical) {
    layers.push({
      transform: [{ filter: "isValid(datum.x)" }],
      mark: { type: "rule", color: "black", strokeWidth: 2.5 },
      encoding: { x: { ...x, field: "x" }, y: { ...y, field: "from" }, y2: { field: "to" }, strokeDash: style },
    });
  }
  if (horizontal) {
    layers.push({
      transform: [{ filter: "isValid(datum.y)" }],
      mark: { type: "rule", color: "black", strokeWidth: 2.5 },
      encoding: { y: { ...y, field: "y" }, x: { ...x, field: "from" }, x2: { field: "to" }, strokeDash: style },
    });
  }
  return { data: { name: "theory" }, layer: layers };
}
