import { METRIC_NAMES, accuracyStat, densityToSparsity, epochProgressText, fixed, meanStd, pairedText, parameterLabel, percentAccuracy, thinCurve } from "../core/index.js";
import type { Run, Schemas, Sweep } from "../client/index.js";
import { markdownTable } from "./tables.js";

/**
 * Text for `image` runs and sweeps (docs/decisions/013-image-kind.md): accuracy in percent (1 −
 * error, the paper's Figure 3 axis) beside the losses, a line per IMP level, the layer densities
 * in brief, and progress by level and epoch.
 */
type ImageResult = Schemas["ImageRunResult"];
type LayerDensity = Schemas["LayerDensity"];

const DENSITY_KEY = "pruning.density";
/** Layer densities are listed one by one up to this many layers; beyond, their range. */
const LISTED_LAYERS = 6;

/** An image run's result, when it has one. */
export const imageResultOf = (run: Run): ImageResult | null => (run.result && "dataset" in run.result ? run.result : null);

/** `fc1 0.1950, fc2 0.2200`, or `13 layers from 0.0312 to 1.0000`. */
export function layerSummary(layers: readonly LayerDensity[]): string {
  if (layers.length <= LISTED_LAYERS) return layers.map((layer) => `${layer.layer} ${fixed(layer.density, 4)}`).join(", ");
  const densities = layers.map((layer) => layer.density);
  return `${layers.length} layers from ${fixed(Math.min(...densities), 4)} to ${fixed(Math.max(...densities), 4)}`;
}

const accuracies = (final: ImageResult["final"]) => `test accuracy ${percentAccuracy(final.testError)}%  train accuracy ${percentAccuracy(final.trainError)}%`;

/** An image run's lines: final accuracies and losses, density and layers, a line per IMP level; or how far it is. */
export function imageRunLines(run: Run): string[] {
  const lines: string[] = [];
  const result = imageResultOf(run);
  if (result) {
    const f = result.final;
    lines.push(`  ${accuracies(f)}  train loss ${fixed(f.trainLoss, 5)}  test loss ${fixed(f.testLoss, 5)}${result.diverged ? "  DIVERGED" : ""}`);
    lines.push(`  density ${fixed(result.density, 4)} (sparsity ${fixed(densityToSparsity(result.density), 4)})  layers ${layerSummary(result.layerDensities)}`);
    for (const level of result.levels ?? []) {
      lines.push(`  level ${String(level.level).padStart(2)}  density ${fixed(level.density, 4)}  ${accuracies(level.final)}${level.diverged ? "  DIVERGED" : ""}`);
    }
  }
  if (run.progress) {
    const progress = epochProgressText(run.progress);
    lines.push(`  ${progress || "training"}`);
  }
  for (const level of run.status === "succeeded" ? [] : (run.partial ?? [])) {
    lines.push(`  finished level ${level.level}  density ${fixed(level.density, 4)}  ${accuracies(level.final)}`);
  }
  return lines;
}

/** An image sweep's columns: the point's values (sparsity next to density, IMP level), runs, accuracies and losses as mean ± std. */
export function imageAggregateTable(sweep: Sweep): { header: string[]; rows: string[][] } {
  const keys = [...new Set(sweep.aggregate.flatMap((row) => Object.keys(row.point)))];
  const paired = sweep.aggregate.some((row) => row.paired !== null);
  const header = [
    ...keys.flatMap((key) => (key === DENSITY_KEY ? [parameterLabel(key), "sparsity"] : [parameterLabel(key)])),
    "runs",
    "diverged",
    "test accuracy % (mean ± std)",
    "train accuracy % (mean ± std)",
    "testLoss (mean ± std)",
    "trainLoss (mean ± std)",
    ...(paired ? ["test accuracy vs dense, paired (mean ± se)"] : []),
  ];
  const rows = sweep.aggregate.map((row) => [
    ...keys.flatMap((key) => {
      const value = row.point[key];
      if (key === DENSITY_KEY) return [String(Number((value as number).toPrecision(6))), String(Number(densityToSparsity(value as number).toPrecision(6)))];
      return [value === undefined || value === "" ? "–" : String(value)];
    }),
    row.completed === row.runs ? String(row.runs) : `${row.completed}/${row.runs}`,
    String(row.diverged),
    meanStd(accuracyStat(row.final.testError), 2),
    meanStd(accuracyStat(row.final.trainError), 2),
    meanStd(row.final.testLoss, 4),
    meanStd(row.final.trainLoss, 4),
    ...(paired ? [pairedText(row.paired, "accuracy")] : []),
  ]);
  return { header, rows };
}

/** What an image sweep's report says of its table. */
export function imageSweepNote(sweep: Sweep): string {
  return `Status: ${sweep.status}; ${sweep.spec.repeats} repeats per point (seeds ${sweep.spec.base.seed}–${sweep.spec.base.seed + sweep.spec.repeats - 1}); mean ± sample standard deviation over the seeds of each row. A row is a pruning method at a density: a random mask's density as asked, an IMP level's as realized (one IMP run gives a row per level). Accuracy is 100 × (1 − error).`;
}

/** The body of an image run's report: final metrics, the IMP levels, the layer densities, the last level's curve. */
export function imageRunReport(run: Run): string[] | null {
  const result = imageResultOf(run);
  if (!result) return null;
  const f = result.final;
  const levels = result.levels ?? [];
  const curve = thinCurve(result.curve, 11).map((p) => [String(p.epoch), ...METRIC_NAMES.map((name) => fixed(p[name], 4)), percentAccuracy(p.testError)]);
  const layerColumns = levels.length > 0 ? levels.map((level) => ({ title: `level ${level.level}`, layers: level.layerDensities })) : [{ title: "density", layers: result.layerDensities }];
  return [
    `Status: ${run.status}. Final: test accuracy ${percentAccuracy(f.testError)}%, train accuracy ${percentAccuracy(f.trainError)}%, test loss ${fixed(f.testLoss, 5)}, train loss ${fixed(f.trainLoss, 5)}; density ${fixed(result.density, 4)} (sparsity ${fixed(densityToSparsity(result.density), 4)})${result.diverged ? "; diverged" : ""}. Data: ${result.dataset.name}, SHA-256 ${result.dataset.sha256}.`,
    "",
    ...(levels.length > 0
      ? [
          markdownTable(
            ["IMP level", "density", "sparsity", "test accuracy %", "train accuracy %", "test loss", "train loss"],
            levels.map((level) => [String(level.level), fixed(level.density, 4), fixed(densityToSparsity(level.density), 4), percentAccuracy(level.final.testError), percentAccuracy(level.final.trainError), fixed(level.final.testLoss, 4), fixed(level.final.trainLoss, 4)]),
          ),
          "",
        ]
      : []),
    markdownTable(
      ["layer", "prunable weights", ...layerColumns.map((column) => column.title)],
      result.layerDensities.map((layer, i) => [layer.layer, String(layer.weights), ...layerColumns.map((column) => fixed(column.layers[i]?.density, 4))]),
    ),
    "",
    `Curve${levels.length > 0 ? ` of level ${levels.at(-1)!.level}` : ""} (epoch 0: before training):`,
    "",
    markdownTable(["epoch", ...METRIC_NAMES, "test accuracy %"], curve),
  ];
}
