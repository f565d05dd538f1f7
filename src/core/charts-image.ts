import { LEVEL_KEY, type AggregateRow } from "./aggregate.js";
import { CHART_CONFIG, LOG_DENSITY_SPAN, MAX_CHART_STEPS, MAX_SWEEP_CURVE_POINTS, SWEEP_POINT_MARK, VEGA_LITE_SCHEMA, chartTitle, pointLabel, thinCurve, type StatDatum, type VegaLiteSpec } from "./charts.js";
import { accuracyOf } from "./format.js";
import { sparsityToDensity } from "./kinds/index.js";
import type { EpochPoint, ImageRunResult, LayerDensity } from "./result.js";
import type { ImageRunSpec } from "./kinds/index.js";
import type { SweepSpec } from "./sweep.js";

/**
 * Vega-Lite specs of image runs and sweeps (the paper's Figure 3, docs/decisions/013-image-kind.md):
 * a sweep's final test and train accuracy against sparsity, random pruning and IMP as series; a
 * run's curves over epochs, and for IMP its accuracy per level and the layer densities of each
 * level. Pure, as the synthetic charts (docs/decisions/006-charts-pages-and-cli.md).
 */

/** The pruning methods as a chart's legend names them. */
export const IMAGE_METHOD_LABELS: Record<string, string> = { random: "random pruning", imp: "IMP" };
/** Names of the marks whose symbols are an IMP run's levels (one per level and split). */
export const LEVEL_POINT_MARK = "levels";

const METHOD_KEY = "pruning.method";
const DENSITY_KEY = "pruning.density";
/** Point keys that place a row on the density axis or name its method; the rest make its series. */
const AXIS_KEYS = new Set([METHOD_KEY, DENSITY_KEY, LEVEL_KEY]);

const ACCURACY_SPLITS = ["test accuracy", "train accuracy"] as const;
type AccuracySplit = (typeof ACCURACY_SPLITS)[number];
/** Test solid, train dashed, in every panel. */
const SPLIT_DASH = { domain: ["test", "train"], range: [[1, 0], [6, 4]] };
const ACCURACY_DASH = { domain: [...ACCURACY_SPLITS], range: SPLIT_DASH.range };

/** What an image chart puts on its density axis: sparsity, or density on a log scale when the densities span LOG_DENSITY_SPAN or more (as the synthetic sweep chart). */
export function densityAxis(densities: readonly number[]): { log: boolean; title: string; name: string; value: (density: number) => number } {
  const positive = densities.length > 0 && densities.every((density) => density > 0);
  if (positive && Math.max(...densities) / Math.min(...densities) >= LOG_DENSITY_SPAN) {
    return { log: true, title: "density (fraction of weights kept, log scale)", name: "density", value: (density) => density };
  }
  return { log: false, title: "sparsity (fraction of weights pruned)", name: "sparsity", value: (density) => sparsityToDensity(density) };
}

const xEncoding = (axis: ReturnType<typeof densityAxis>) => ({
  field: "x",
  type: "quantitative",
  title: axis.title,
  ...(axis.log ? { scale: { type: "log", nice: false, padding: 12 } } : {}),
});

export interface ImageSweepDatum extends StatDatum {
  x: number;
  density: number;
  level: number | string;
  /** `random` or `imp`, as in the aggregate. */
  method: string;
  metric: AccuracySplit;
}

/** A row's series: its method, then its other values (the empty ones, fields its method has not, left out). */
function seriesOf(row: AggregateRow): string {
  const method = String(row.point[METHOD_KEY]);
  const others = Object.keys(row.point).filter((key) => !AXIS_KEYS.has(key) && row.point[key] !== "");
  return others.length === 0 ? (IMAGE_METHOD_LABELS[method] ?? method) : `${IMAGE_METHOD_LABELS[method] ?? method}, ${pointLabel(row.point, others)}`;
}

/** The chart's rows: one per aggregate row and split with a mean, accuracy in percent (rows without results are left out). */
export function imageSweepChartData(rows: readonly AggregateRow[]): ImageSweepDatum[] {
  const axis = densityAxis(rows.map((row) => row.point[DENSITY_KEY] as number));
  return rows.flatMap((row) =>
    (["testError", "trainError"] as const).flatMap((name, i) => {
      const stat = row.final[name];
      const mean = accuracyOf(stat.mean);
      if (mean === null) return [];
      const std = stat.std === null ? null : 100 * stat.std;
      const density = row.point[DENSITY_KEY] as number;
      return [{ x: axis.value(density), density, level: row.point[LEVEL_KEY] ?? "", method: String(row.point[METHOD_KEY]), series: seriesOf(row), metric: ACCURACY_SPLITS[i]!, mean, std, lo: std === null ? null : mean - std, hi: std === null ? null : mean + std, n: stat.n, runs: row.runs }];
    }),
  );
}

const SWEEP_WIDTH = 640;

/**
 * Figure 3: final test and train accuracy (mean ± std over seeds) against sparsity, one colour per
 * method (and other grid value), test solid and train dashed; below it, the mean test accuracy
 * over training, a panel per series and a line per density.
 */
export function imageSweepChart(_sweep: SweepSpec, rows: readonly AggregateRow[], title: string, subtitle?: string): VegaLiteSpec {
  const axis = densityAxis(rows.map((row) => row.point[DENSITY_KEY] as number));
  const data = imageSweepChartData(rows);
  const y = { field: "mean", type: "quantitative", title: "final accuracy, % (mean ± std over seeds)", scale: { zero: false } };
  const seriesTitle = ["method", ...Object.keys(rows[0]?.point ?? {}).filter((key) => !AXIS_KEYS.has(key))].join(", ");
  const finals: VegaLiteSpec = {
    title: { text: `final test and train accuracy against ${axis.name} (Figure 3)`, fontSize: 14 },
    width: SWEEP_WIDTH,
    height: 320,
    data: { values: data },
    encoding: {
      x: xEncoding(axis),
      // legends below the plot: to its right they would widen the chart past the page
      color: { field: "series", type: "nominal", title: seriesTitle, sort: null, legend: { orient: "bottom", direction: "horizontal", labelLimit: 240 } },
    },
    layer: [
      { mark: { type: "errorbar", ticks: true }, encoding: { y: { ...y, field: "lo" }, y2: { field: "hi" }, detail: { field: "metric" } } },
      { mark: { type: "line", strokeWidth: 2 }, encoding: { y, strokeDash: { field: "metric", type: "nominal", title: null, scale: ACCURACY_DASH, legend: { orient: "bottom", direction: "horizontal", symbolSize: 600 } } } },
      {
        name: SWEEP_POINT_MARK,
        mark: { type: "point", filled: true, size: 60 },
        encoding: {
          y,
          detail: { field: "metric" },
          tooltip: [
            { field: "series" },
            { field: "metric" },
            { field: "x", title: axis.name, format: ".4g" },
            { field: "level", title: "IMP level" },
            { field: "mean", title: "accuracy %", format: ".2f" },
            { field: "std", format: ".2f" },
            { field: "n", title: "runs with a result" },
          ],
        },
      },
    ],
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: chartTitle(title, subtitle),
    vconcat: [finals, imageSweepCurvePanel(rows)],
    spacing: 32,
    resolve: { scale: { color: "independent", strokeDash: "independent" }, legend: { strokeDash: "independent" } },
    config: CHART_CONFIG,
  };
}

export interface ImageSweepCurveDatum {
  epoch: number;
  series: string;
  /** The row's density to three significant digits, as the legend names it. */
  density: number;
  value: number;
}

/** Mean test accuracy over training at each row: a panel per series, a line per density (dense to sparse on a sequential palette). */
function imageSweepCurvePanel(rows: readonly AggregateRow[]): VegaLiteSpec {
  const perCurve = Math.max(20, Math.floor(MAX_SWEEP_CURVE_POINTS / Math.max(1, rows.length)));
  const values: ImageSweepCurveDatum[] = rows.flatMap((row) =>
    thinCurve(row.curve, perCurve).flatMap((p) => {
      const value = accuracyOf(p.testError);
      return value === null ? [] : [{ epoch: p.step, series: seriesOf(row), density: Number((row.point[DENSITY_KEY] as number).toPrecision(3)), value }];
    }),
  );
  const title = { text: "mean test accuracy over training (averaged over seeds)", fontSize: 14 };
  const lines = {
    mark: { type: "line", strokeWidth: 2 },
    encoding: {
      x: { field: "epoch", type: "quantitative", title: "epoch" },
      y: { field: "value", type: "quantitative", title: "mean test accuracy, %", scale: { zero: false } },
      // dense to sparse on a sequential palette (plasma: its hues stay apart), its light end cut off (yellow on white is unreadable)
      color: { field: "density", type: "ordinal", title: "density", sort: "descending", scale: { scheme: { name: "plasma", extent: [0, 0.85] } } },
      tooltip: [{ field: "series" }, { field: "density" }, { field: "epoch" }, { field: "value", title: "accuracy %", format: ".2f" }],
    },
  };
  const series = [...new Set(values.map((d) => d.series))];
  if (series.length <= 1) return { title, width: SWEEP_WIDTH, height: 220, data: { values }, ...lines };
  return {
    title,
    data: { values },
    facet: { field: "series", type: "nominal", title: null, sort: series, header: { labelFontWeight: "bold", labelPadding: 6 } },
    columns: 2,
    spacing: 24,
    spec: { width: 320, height: 200, ...lines },
  };
}

/** Width of an image run chart's panels. */
const RUN_PANEL_WIDTH = 560;
/** An IMP chart draws at most this many evaluations per split over all levels together. */
export const MAX_IMP_CURVE_POINTS = 4 * MAX_CHART_STEPS;

export interface EpochDatum {
  epoch: number;
  level: number;
  split: "test" | "train";
  value: number;
}

function epochData(levels: readonly { level: number; curve: readonly EpochPoint[] }[], pick: (point: EpochPoint) => [test: number | null, train: number | null]): EpochDatum[] {
  const perLevel = Math.max(20, Math.min(MAX_CHART_STEPS, Math.floor(MAX_IMP_CURVE_POINTS / levels.length)));
  return levels.flatMap(({ level, curve }) =>
    thinCurve(curve, perLevel).flatMap((point) => {
      const [test, train] = pick(point);
      return [
        ...(test === null || !Number.isFinite(test) ? [] : [{ epoch: point.epoch, level, split: "test" as const, value: test }]),
        ...(train === null || !Number.isFinite(train) ? [] : [{ epoch: point.epoch, level, split: "train" as const, value: train }]),
      ];
    }),
  );
}

/** The colour of IMP levels: level order on a sequential palette, its light end cut off. */
const LEVEL_COLOUR = { field: "level", type: "ordinal", title: "IMP level", scale: { scheme: { name: "plasma", extent: [0, 0.85] } } };

function epochPanel(title: string, values: EpochDatum[], yTitle: string, imp: boolean, logScale = false): VegaLiteSpec {
  return {
    title: { text: title, fontSize: 14 },
    width: RUN_PANEL_WIDTH,
    height: 200,
    data: { values: logScale ? values.filter((d) => d.value > 0) : values },
    mark: { type: "line", strokeWidth: 2 },
    encoding: {
      x: { field: "epoch", type: "quantitative", title: "epoch (0: before training)" },
      y: { field: "value", type: "quantitative", title: yTitle, ...(logScale ? { scale: { type: "log" } } : {}) },
      // a random mask: test and train by colour, as the synthetic run chart; IMP: the level by colour, the split by dash
      color: imp ? LEVEL_COLOUR : { field: "split", type: "nominal", title: null, sort: ["test", "train"] },
      ...(imp ? { strokeDash: { field: "split", type: "nominal", title: null, scale: SPLIT_DASH } } : {}),
      tooltip: [...(imp ? [{ field: "level", title: "IMP level" }] : []), { field: "split" }, { field: "epoch" }, { field: "value", format: ".4g" }],
    },
  };
}

export interface LevelDatum {
  level: number;
  density: number;
  x: number;
  metric: AccuracySplit;
  value: number;
}

/** An IMP run's final accuracy at each level against its density (one run's Figure 3 IMP curve). */
function levelPanel(levels: NonNullable<ImageRunResult["levels"]>): VegaLiteSpec {
  const axis = densityAxis(levels.map((level) => level.density));
  const values: LevelDatum[] = levels.flatMap((level) =>
    (["testError", "trainError"] as const).flatMap((name, i) => {
      const value = accuracyOf(level.final[name]);
      return value === null ? [] : [{ level: level.level, density: level.density, x: axis.value(level.density), metric: ACCURACY_SPLITS[i]!, value }];
    }),
  );
  const y = { field: "value", type: "quantitative", title: "final accuracy, %", scale: { zero: false } };
  return {
    title: { text: `final accuracy at each IMP level against ${axis.name}`, fontSize: 14 },
    width: RUN_PANEL_WIDTH,
    height: 220,
    data: { values },
    encoding: { x: xEncoding(axis), color: { field: "metric", type: "nominal", title: null, sort: [...ACCURACY_SPLITS] } },
    layer: [
      { mark: { type: "line", strokeWidth: 2 }, encoding: { y } },
      {
        name: LEVEL_POINT_MARK,
        mark: { type: "point", filled: true, size: 60 },
        encoding: { y, tooltip: [{ field: "level", title: "IMP level" }, { field: "metric" }, { field: "density", format: ".4g" }, { field: "value", title: "accuracy %", format: ".2f" }] },
      },
    ],
  };
}

export interface LayerDatum extends LayerDensity {
  level: number;
}

/** The realized density of each prunable layer: bars for a random mask, a line of points per level for IMP. */
function layerPanel(levels: readonly { level: number; layerDensities: readonly LayerDensity[] }[], imp: boolean): VegaLiteSpec {
  const values: LayerDatum[] = levels.flatMap(({ level, layerDensities }) => layerDensities.map((layer) => ({ ...layer, level })));
  const x = { field: "layer", type: "nominal", title: "prunable layer", sort: null, axis: { labelAngle: 0 } };
  const y = { field: "density", type: "quantitative", title: "density (fraction kept)", scale: { domain: [0, 1] } };
  const tooltip = [{ field: "layer" }, ...(imp ? [{ field: "level", title: "IMP level" }] : []), { field: "weights" }, { field: "density", format: ".4g" }];
  const title = { text: imp ? "layer densities at each IMP level" : "layer densities", fontSize: 14 };
  if (!imp) return { title, width: RUN_PANEL_WIDTH, height: 160, data: { values }, mark: { type: "bar", color: "#4c78a8", width: { band: 0.5 } }, encoding: { x, y, tooltip } };
  return {
    title,
    width: RUN_PANEL_WIDTH,
    height: 200,
    data: { values },
    encoding: { x, y, color: LEVEL_COLOUR },
    layer: [{ mark: { type: "line", strokeWidth: 1.5 } }, { mark: { type: "point", filled: true, size: 50 }, encoding: { tooltip } }],
  };
}

/**
 * An image run's chart: error and loss over epochs (train and test); for IMP, first its final
 * accuracy per level against density and then every level's curves (colour the level, dash the
 * split); last, the layer densities (per level for IMP).
 */
export function imageRunChart(result: ImageRunResult, title: string, subtitle?: string): VegaLiteSpec {
  const imp = result.levels !== undefined;
  const levels = result.levels ?? [{ level: 0, curve: result.curve, layerDensities: result.layerDensities }];
  const errors = epochData(levels, (p) => [p.testError, p.trainError]);
  const losses = epochData(levels, (p) => [p.testLoss, p.trainLoss]);
  const suffix = imp ? ", each IMP level" : "";
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: chartTitle(title, subtitle),
    vconcat: [
      ...(result.levels ? [levelPanel(result.levels)] : []),
      epochPanel(`0-1 error over training${suffix}`, errors, "error", imp),
      epochPanel(`cross-entropy loss over training${suffix}`, losses, "loss (log scale)", imp, true),
      layerPanel(levels, imp),
    ],
    spacing: 28,
    resolve: { scale: { color: "independent", y: "independent", x: "independent", strokeDash: "independent" } },
    config: CHART_CONFIG,
  };
}

/** Whether a spec path is left out: named itself, or its whole section is (a grid axis `pruning`). */
const omitted = (omit: readonly string[], path: string) => omit.includes(path) || omit.includes(path.split(".")[0]!);

/** One line naming an image run spec's parameters (chart subtitles, page headings). */
export function describeImageSpec(spec: ImageRunSpec, omit: readonly string[] = []): string {
  const { data, model, pruning, training } = spec;
  const fields: [string, string][] = [
    ["model.arch", model.arch],
    ["data.dataset", data.dataset],
    ["data.trainSize", `n = ${data.trainSize}`],
    ...(pruning.method === "random"
      ? ([
          ["pruning.distribution", `${pruning.distribution} random pruning`],
          ["pruning.density", `density = ${pruning.density}`],
        ] as [string, string][])
      : ([
          ["pruning.rate", `IMP rate ${pruning.rate}`],
          ["pruning.levels", `${pruning.levels} levels`],
          ["pruning.rewindStep", pruning.rewindStep === 0 ? "rewound to initialization" : `rewound to step ${pruning.rewindStep}`],
        ] as [string, string][])),
    ["training.epochs", `${training.epochs} epochs`],
    ["training.batchSize", `batch ${training.batchSize}`],
    ["training.learningRate", `η = ${training.learningRate}`],
    ["training.momentum", `momentum ${training.momentum}`],
    ["training.weightDecay", `weight decay ${training.weightDecay}`],
    ...(training.milestones.length > 0 ? ([["training.milestones", `η × ${training.gamma} at epochs ${training.milestones.join(", ")}`]] as [string, string][]) : []),
    ...(training.augment ? ([["training.augment", "augmented"]] as [string, string][]) : []),
    ["seed", `seed ${spec.seed}`],
  ];
  return fields
    .filter(([path]) => !omitted(omit, path))
    .map(([, text]) => text)
    .join(", ");
}
