import type { AggregateRow } from "./aggregate.js";
import type { CurvePoint, SyntheticRunResult as RunResult } from "./result.js";
import { sparsityToDensity, type SyntheticRunSpec as RunSpec } from "./kinds/index.js";
import type { GridPoint, GridValue, SweepSpec } from "./sweep.js";

/**
 * Vega-Lite specs for the paper's Figure 2 (docs/decisions/006-charts-pages-and-cli.md): a sweep's
 * final errors against sparsity (2a, 2b) and a run's curves over training (2c). Pure: data in, a
 * JSON chart out; rendering to SVG lives in src/charts.
 */
export type VegaLiteSpec = Record<string, unknown>;

export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
/** Names of the marks whose symbols are the chart's data points (the viewer test counts them). */
export const SWEEP_POINT_MARK = "points";
/** A run chart draws at most this many steps per curve, so rendering cost is bounded. */
export const MAX_CHART_STEPS = 400;

const DENSITY_PATH = "pruning.density";
/** A density grid spanning this factor or more is drawn against density on a log axis instead of sparsity. */
export const LOG_DENSITY_SPAN = 20;

/** Short names for grid keys, in the paper's notation. */
const PARAMETER_LABELS: Record<string, string> = {
  "data.noiseStd": "σn",
  "data.signalStrength": "μ",
  "data.classes": "K",
  "data.patchDim": "d",
  "data.trainSize": "n",
  "model.width": "m",
  "model.initStd": "σ0",
  "model.q": "q",
  "training.learningRate": "η",
  "training.steps": "T",
  [DENSITY_PATH]: "density",
  "pruning.method": "method",
  "pruning.distribution": "distribution",
  "pruning.rate": "IMP rate",
  "pruning.levels": "IMP levels",
  "pruning.rewindStep": "rewind step",
  "pruning.level": "IMP level",
  "training.epochs": "epochs",
  "training.batchSize": "batch size",
  "training.momentum": "momentum",
  "training.weightDecay": "weight decay",
};

/** Splits text into lines of at most `width` characters after its commas (Vega does not wrap titles). */
export function wrapText(text: string, width = 90): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/(?<=,) /)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

export const chartTitle = (text: string, subtitle?: string) => ({ text, ...(subtitle ? { subtitle: wrapText(subtitle) } : {}), anchor: "start", offset: 16 });

export const parameterLabel = (path: string): string => PARAMETER_LABELS[path] ?? path;

/** `σn = 0.5, m = 150`: the values of the given keys at a point; "all runs" when there are none. */
export function pointLabel(point: GridPoint, keys: readonly string[]): string {
  return keys.length === 0 ? "all runs" : keys.map((key) => `${parameterLabel(key)} = ${point[key]}`).join(", ");
}

/** What a sweep chart puts on its x axis: sparsity when the grid varies density, else its first numeric key. */
export function sweepAxis(sweep: SweepSpec): { key: string; title: string; log: boolean; value: (point: GridPoint) => GridValue } {
  const keys = Object.keys(sweep.grid);
  if (keys.includes(DENSITY_PATH)) {
    const densities = sweep.grid[DENSITY_PATH] as number[];
    // Over-pruning happens at densities near 1/(K m log d): a grid reaching that far reads better as density on a log axis.
    if (Math.max(...densities) / Math.min(...densities) >= LOG_DENSITY_SPAN) {
      return { key: DENSITY_PATH, title: "density (fraction of weights kept, log scale)", log: true, value: (point) => point[DENSITY_PATH]! };
    }
    return { key: DENSITY_PATH, title: "sparsity (fraction of weights pruned)", log: false, value: (point) => sparsityToDensity(point[DENSITY_PATH] as number) };
  }
  const key = keys.find((k) => sweep.grid[k]!.every((v) => typeof v === "number")) ?? keys[0]!;
  return { key, title: parameterLabel(key), log: false, value: (point) => point[key]! };
}

/** A grid point's summary as a sweep chart draws it: mean, its std band (lo, hi), and how many runs it is over. */
export interface StatDatum {
  series: string;
  mean: number;
  std: number | null;
  lo: number | null;
  hi: number | null;
  n: number;
  runs: number;
}

export interface SweepChartDatum extends StatDatum {
  x: GridValue;
  metric: "test error" | "train error";
}

/** The chart's rows: one per grid point and metric with a mean (points without results are left out). */
export function sweepChartData(sweep: SweepSpec, rows: readonly AggregateRow[]): SweepChartDatum[] {
  const axis = sweepAxis(sweep);
  const seriesKeys = Object.keys(sweep.grid).filter((key) => key !== axis.key);
  const metrics = [
    ["testError", "test error"],
    ["trainError", "train error"],
  ] as const;
  return rows.flatMap((row) =>
    metrics.flatMap(([name, metric]) => {
      const stat = row.final[name];
      if (stat.mean === null) return [];
      return [
        {
          x: axis.value(row.point),
          series: pointLabel(row.point, seriesKeys),
          metric,
          mean: stat.mean,
          std: stat.std,
          lo: stat.std === null ? null : stat.mean - stat.std,
          hi: stat.std === null ? null : stat.mean + stat.std,
          n: stat.n,
          runs: row.runs,
        },
      ];
    }),
  );
}

/** The smallest text in a chart, in px: axis and legend labels; titles are larger. */
export const MIN_CHART_FONT_SIZE = 12;
/**
 * Text sizes in the SVG: MIN_CHART_FONT_SIZE or more for every axis label and title, legend, facet
 * header and title (Vega's defaults are 9-11 px), so a chart reads at its natural size in a page
 * (docs/decisions/006-charts-pages-and-cli.md).
 */
export const CHART_CONFIG = {
  font: "sans-serif",
  title: { fontSize: 15, subtitleFontSize: 13, subtitleColor: "#444", subtitlePadding: 6 },
  axis: { labelFontSize: MIN_CHART_FONT_SIZE, titleFontSize: 13, titleFontWeight: "normal" },
  legend: { labelFontSize: MIN_CHART_FONT_SIZE, titleFontSize: 13, symbolSize: 120 },
  header: { labelFontSize: 14, titleFontSize: 14 },
} as const;

const METRIC_ORDER = ["test error", "train error"];
/** Width of one panel of a sweep's final errors; two sit side by side. */
const FINALS_WIDTH = 320;

/**
 * Figure 2a/2b: final error (mean ± std) against sparsity, test and train error in two panels side
 * by side (the metric is the column, so it is never read from a colour), one colour per other grid
 * value.
 */
export function sweepChart(sweep: SweepSpec, rows: readonly AggregateRow[], title: string, subtitle?: string): VegaLiteSpec {
  const axis = sweepAxis(sweep);
  const numericX = sweep.grid[axis.key]!.every((v) => typeof v === "number");
  const seriesKeys = Object.keys(sweep.grid).filter((key) => key !== axis.key);
  const x = { field: "x", type: numericX ? "quantitative" : "ordinal", title: axis.title, ...(axis.log ? { scale: { type: "log", nice: false, padding: 12 } } : {}) };
  const y = { field: "mean", type: "quantitative", title: "final error (mean ± std over repeats)", scale: { domain: [0, 1] } };
  const finals: VegaLiteSpec = {
    title: { text: "final error (Figure 2a/2b)", fontSize: 14 },
    data: { values: sweepChartData(sweep, rows) },
    facet: { column: { field: "metric", type: "nominal", title: null, sort: METRIC_ORDER, header: { labelFontWeight: "bold", labelPadding: 6 } } },
    spacing: 24,
    spec: {
      width: FINALS_WIDTH,
      height: 300,
      encoding: {
        x,
        color: {
          field: "series",
          type: "nominal",
          title: seriesKeys.map(parameterLabel).join(", "),
          sort: null,
          ...(seriesKeys.length === 0 ? { legend: null } : { legend: { orient: "right", labelLimit: 240 } }),
        },
      },
      layer: [
        { mark: { type: "errorbar", ticks: true }, encoding: { y: { ...y, field: "lo" }, y2: { field: "hi" } } },
        { mark: { type: "line", strokeWidth: 2 }, encoding: { y } },
        {
          name: SWEEP_POINT_MARK,
          mark: { type: "point", filled: true, size: 60 },
          encoding: {
            y,
            tooltip: [
              { field: "series", title: "series" },
              { field: "metric" },
              { field: "x", title: axis.title },
              { field: "mean", format: ".3f" },
              { field: "std", format: ".3f" },
              { field: "n", title: "runs with a result" },
            ],
          },
        },
      ],
    },
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: chartTitle(title, subtitle),
    vconcat: [finals, sweepCurvePanel(sweep, rows)],
    spacing: 32,
    resolve: { scale: { color: "independent" } },
    config: CHART_CONFIG,
  };
}

/** All mean curves of a sweep together draw at most this many evaluations, so rendering stays bounded. */
export const MAX_SWEEP_CURVE_POINTS = 4000;

/** A point of a sweep's mean test-error curves: the grid point's other values (`series`) and its x value. */
export interface SweepCurveDatum {
  step: number;
  series: string;
  x: GridValue;
  value: number;
}

/**
 * Figure 2c averaged as in the paper: the mean test error over training at each grid point. One
 * panel per other grid value (the colours of the panel above), and within it one line per x value,
 * coloured in grid order on a sequential scale.
 */
function sweepCurvePanel(sweep: SweepSpec, rows: readonly AggregateRow[]): VegaLiteSpec {
  const axis = sweepAxis(sweep);
  const otherKeys = Object.keys(sweep.grid).filter((key) => key !== axis.key);
  const axisName = axis.key === DENSITY_PATH ? (axis.log ? "density" : "sparsity") : parameterLabel(axis.key);
  const perCurve = Math.max(20, Math.floor(MAX_SWEEP_CURVE_POINTS / Math.max(1, rows.length)));
  const values: SweepCurveDatum[] = rows.flatMap((row) =>
    thinCurve(row.curve, perCurve).flatMap((p) => (p.testError === null ? [] : [{ step: p.step, series: pointLabel(row.point, otherKeys), x: axis.value(row.point), value: p.testError }])),
  );
  const title = { text: "mean test error over training (Figure 2c, averaged over repeats)", fontSize: 14 };
  const lines = {
    mark: { type: "line", strokeWidth: 2 },
    encoding: {
      x: { field: "step", type: "quantitative", title: "gradient descent step" },
      y: { field: "value", type: "quantitative", title: "mean test error" },
      // the x values in grid order on a sequential palette (plasma: its hues stay apart), its light end cut off (yellow on white is unreadable)
      color: { field: "x", type: "ordinal", title: axisName, sort: null, scale: { scheme: { name: "plasma", extent: [0, 0.85] } } },
      tooltip: [{ field: "series" }, { field: "x", title: axisName }, { field: "step" }, { field: "value", format: ".4g" }],
    },
  };
  if (otherKeys.length === 0) return { title, width: 2 * FINALS_WIDTH + 24, height: 200, data: { values }, ...lines };
  return {
    title,
    data: { values },
    // in grid order, as the colours above (Vega-Lite sorts a wrapped facet by name unless given the order)
    facet: { field: "series", type: "nominal", title: null, sort: [...new Set(values.map((d) => d.series))], header: { labelFontWeight: "bold", labelPadding: 6 } },
    columns: 2,
    spacing: 24,
    spec: { width: FINALS_WIDTH, height: 200, ...lines },
  };
}

/** At most `max` evenly spaced curve points, always keeping the first and the last. */
export function thinCurve<T>(curve: readonly T[], max = MAX_CHART_STEPS): T[] {
  if (curve.length <= max) return [...curve];
  const picked = new Set<number>();
  for (let i = 0; i < max; i++) picked.add(Math.round((i * (curve.length - 1)) / (max - 1)));
  return [...picked].sort((a, b) => a - b).map((i) => curve[i]!);
}

interface CurveDatum {
  step: number;
  series: string;
  value: number;
}

function curveData(curve: readonly CurvePoint[], pick: (point: CurvePoint) => [string, number | null][]): CurveDatum[] {
  return curve.flatMap((point) => pick(point).flatMap(([series, value]) => (value === null || !Number.isFinite(value) ? [] : [{ step: point.step, series, value }])));
}

interface CurvePanelOptions {
  /** A log y axis (values ≤ 0 are left out). */
  logScale?: boolean;
  /** Whether the y axis must include 0; false lets a curve that moves little from a large value show its change. */
  zero?: boolean;
  width?: number;
  /** One series drawn in this colour, without a legend (the panel's title names it). */
  colour?: string;
}

function curvePanel(title: string, values: CurveDatum[], yTitle: string, options: CurvePanelOptions = {}): VegaLiteSpec {
  const { logScale = false, zero = true, width = RUN_PANEL_WIDTH, colour } = options;
  const scale = { ...(logScale ? { type: "log" } : {}), ...(zero ? {} : { zero: false }) };
  return {
    title: { text: title, fontSize: 14 },
    width,
    height: 200,
    data: { values: logScale ? values.filter((d) => d.value > 0) : values },
    mark: { type: "line", strokeWidth: 2 },
    encoding: {
      x: { field: "step", type: "quantitative", title: "gradient descent step" },
      y: { field: "value", type: "quantitative", title: yTitle, ...(Object.keys(scale).length ? { scale } : {}) },
      color: colour
        ? { value: colour }
        : { field: "series", type: "nominal", title: null, sort: null, legend: { labelLimit: 320 } },
      tooltip: [{ field: "series" }, { field: "step" }, { field: "value", format: ".4g" }],
    },
  };
}

/** The noise curve's colour (Tableau red): apart from the signal curves' blue and orange. */
const NOISE_COLOUR = "#e45756";
/** Width of a run chart's panels. */
const RUN_PANEL_WIDTH = 560;

/**
 * Figure 2c and the mechanism: errors, losses and the signal/noise alignments over training. Signal
 * and noise alignment get panels, and y scales, of their own: they differ by an order of magnitude
 * (0.25 against 3.4 in §5.1), and on one axis the growth of the smaller is invisible.
 */
export function runChart(result: RunResult, title: string, subtitle?: string): VegaLiteSpec {
  const curve = thinCurve(result.curve);
  const errors = curveData(curve, (p) => [
    ["test error", p.testError],
    ["train error", p.trainError],
  ]);
  const losses = curveData(curve, (p) => [
    ["test loss", p.testLoss],
    ["train loss", p.trainLoss],
  ]);
  const signal = curveData(curve, (p) => p.signalAlignment.map((value, k): [string, number | null] => [`class ${k}`, value]));
  const noise = curveData(curve, (p) => [["noise", p.noiseAlignment]]);
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: chartTitle(title, subtitle),
    vconcat: [
      curvePanel("0-1 error", errors, "error"),
      curvePanel("cross-entropy loss", losses, "loss (log scale)", { logScale: true }),
      curvePanel("signal learning: max_r ⟨w̃_jr, μ_j⟩ for each class j", signal, "signal alignment", { zero: false }),
      curvePanel("noise memorization: max_j,r,i |⟨w̃_jr, ξ_i⟩|", noise, "noise alignment", { zero: false, colour: NOISE_COLOUR }),
    ],
    spacing: 28,
    resolve: { scale: { color: "independent", y: "independent" } },
    config: CHART_CONFIG,
  };
}

/** One line naming a synthetic run spec's parameters in the paper's notation (chart subtitles, page headings). */
export function describeSyntheticSpec(spec: RunSpec, omit: readonly string[] = []): string {
  const { data, model, pruning, training } = spec;
  const fields: [string, string][] = [
    ["data.classes", `K = ${data.classes}`],
    ["data.patchDim", `d = ${data.patchDim}`],
    ["data.signalStrength", `${data.signal} signal μ = ${data.signalStrength}`],
    ["data.noiseStd", `σn = ${data.noiseStd}`],
    ["data.trainSize", `n = ${data.trainSize}`],
    ["model.width", `m = ${model.width}/class`],
    ["model.q", `q = ${model.q}`],
    ["model.initStd", `σ0 = ${model.initStd}`],
    ["pruning.density", `density = ${pruning.density}`],
    ["training.learningRate", `η = ${training.learningRate}`],
    ["training.steps", `T = ${training.steps}`],
    ["seed", `seed ${spec.seed}`],
  ];
  return fields
    .filter(([path]) => !omit.includes(path))
    .map(([, text]) => text)
    .join(", ");
}
