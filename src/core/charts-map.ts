import type { AggregateRow } from "./aggregate-stats.js";
import { CHART_CONFIG, MIN_CHART_FONT_SIZE, VEGA_LITE_SCHEMA, chartTitle, type VegaLiteSpec } from "./charts.js";
import { axisPositions, hasMap, mapAxes, mapCells, type MapAxis } from "./map-layout.js";
import { theorySegments, type TheoryAt, type TheorySegment } from "./map-theory.js";
import type { SweepSpec } from "./sweep.js";

export * from "./map-layout.js";
export * from "./map-theory.js";

/**
 * Regime maps (docs/decisions/015-paired-comparisons-and-regime-maps.md): a sweep with two numeric
 * axes drawn as heatmaps — mean test error, the paired change in test error against the dense run
 * of the same seed on a diverging scale centred at 0 (cells where it is not distinguishable from 0
 * outlined), and mean training error in a small map — with the theory's density scales and the
 * Condition 2.2 ratio drawn where they fall on the axes. Pure: rows in, a Vega-Lite spec out; the
 * layout is `map-layout.ts`, the theory `map-theory.ts`.
 */

/** Names of the map's marks (tests and the viewer find them by name). */
export const MAP_MARKS = {
  testError: "map-test-error",
  paired: "map-paired",
  marked: "map-not-distinguishable",
  trainError: "map-train-error",
  theory: "map-theory",
} as const;

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
  // each paired cell's change ×100, white on the darkest colours
  const labels = {
    transform: [{ filter: "datum.paired !== null" }],
    mark: { type: "text", fontSize: MIN_CHART_FONT_SIZE },
    encoding: {
      x: { ...x, field: "x" },
      y: { ...y, field: "y" },
      text: { field: "label" },
      color: { condition: { test: `abs(datum.paired) > ${0.6 * maxChange}`, value: "white" }, value: "black" },
    },
  };
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
      labels,
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
    legend: { orient: "bottom", direction: "vertical", labelLimit: 0 },
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
