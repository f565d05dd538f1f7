import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import {
  METRIC_LABELS,
  accuracyStat,
  densityToSparsity,
  epochProgressText,
  fixed,
  meanStd,
  pairedText,
  parameterLabel,
  percentAccuracy,
  thinCurve,
  type AggregateRow,
  type ImageRunResult,
  type ImageRunSpec,
  type LayerDensity,
  type Metrics,
} from "../core/index.js";
import type { SweepView } from "./sweeps.js";
import type { RunView } from "./views.js";

/**
 * The parts of the /view pages that are particular to `image` runs and sweeps
 * (docs/decisions/013-image-kind.md): accuracy (1 − error, in percent, the paper's Figure 3 axis)
 * beside error and loss, IMP levels, layer densities, and progress by level and epoch.
 */
type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const DENSITY_KEY = "pruning.density";
const LOSS_NAMES = ["testLoss", "trainLoss"] as const;

/** A finished network's metrics: accuracy, error and loss, train and test. */
function finalTable(final: Metrics): Html {
  return html`<table id="final"><thead><tr><th>metric</th><th>train</th><th>test</th></tr></thead><tbody>
<tr><td>accuracy (%)</td><td>${percentAccuracy(final.trainError)}</td><td>${percentAccuracy(final.testError)}</td></tr>
<tr><td>0-1 error</td><td>${fixed(final.trainError)}</td><td>${fixed(final.testError)}</td></tr>
<tr><td>cross-entropy loss</td><td>${fixed(final.trainLoss, 5)}</td><td>${fixed(final.testLoss, 5)}</td></tr>
</tbody></table>`;
}

/** Finished levels, one row each: density, sparsity, accuracies, losses (and epochs trained, diverged, where known). */
function levelsTable(id: string, levels: readonly { level: number; density: number; final: Metrics; curve?: readonly unknown[]; diverged?: boolean }[]): Html {
  const full = levels.every((level) => level.curve !== undefined);
  return html`<div class="table-scroll"><table id="${id}">
<thead><tr><th>IMP level</th><th>density</th><th>sparsity</th><th>test accuracy (%)</th><th>train accuracy (%)</th><th>test loss</th><th>train loss</th>${full ? html`<th>evaluations</th><th>diverged</th>` : ""}</tr></thead>
<tbody>${levels.map(
    (level) => html`<tr><td>${level.level}</td><td>${fixed(level.density, 4)}</td><td>${fixed(densityToSparsity(level.density), 4)}</td><td>${percentAccuracy(level.final.testError)}</td><td>${percentAccuracy(level.final.trainError)}</td><td>${fixed(level.final.testLoss, 4)}</td><td>${fixed(level.final.trainLoss, 4)}</td>${full ? html`<td>${level.curve!.length}</td><td>${level.diverged ? "yes" : "no"}</td>` : ""}</tr>`,
  )}</tbody>
</table></div>`;
}

/** Each prunable layer's realized density: one column for a random mask, one per level for IMP. */
function layersTable(columns: readonly { title: string; layers: readonly LayerDensity[] }[]): Html {
  const layers = columns[0]?.layers ?? [];
  return html`<div class="table-scroll"><table id="layers">
<thead><tr><th>layer</th><th>prunable weights</th>${columns.map((column) => html`<th>${column.title}</th>`)}</tr></thead>
<tbody>${layers.map(
    (layer, i) => html`<tr><td><code>${layer.layer}</code></td><td>${layer.weights}</td>${columns.map((column) => html`<td>${fixed(column.layers[i]?.density, 4)}</td>`)}</tr>`,
  )}</tbody>
</table></div>`;
}

const prunableWeights = (layers: readonly LayerDensity[]) => layers.reduce((total, layer) => total + layer.weights, 0);

/** The result of an image run: final metrics, density and data set; for IMP its levels; the layer densities. */
export function imageRunResult(view: RunView, result: ImageRunResult): Html {
  const spec = view.spec as ImageRunSpec;
  const levels = result.levels;
  return html`${finalTable(result.final)}
<p>${levels ? `Level ${levels.at(-1)!.level} of an IMP trajectory: ` : ""}density ${fixed(result.density, 4)} (sparsity ${fixed(densityToSparsity(result.density), 4)}) of ${prunableWeights(result.layerDensities)} prunable weights ·
${spec.data.trainSize} training images of <code>${result.dataset.name}</code> (SHA-256 <code title="${result.dataset.sha256}">${result.dataset.sha256.slice(0, 12)}</code>)${result.diverged ? html` · <strong>diverged</strong>` : ""}</p>
${levels ? html`<h3>IMP levels</h3>${levelsTable("levels", levels)}` : ""}
<h3>Layer densities</h3>
${layersTable(levels ? levels.map((level) => ({ title: `level ${level.level}`, layers: level.layerDensities })) : [{ title: "density", layers: result.layerDensities }])}`;
}

/** A run without a result yet: how far its last heartbeat said it was, and the IMP levels it finished. */
export function imageRunPending(view: RunView): Html {
  const progress = view.progress ? epochProgressText(view.progress) : "";
  const status = view.progress ? (progress ? `Training: ${progress}.` : "Training.") : "Waiting to be trained.";
  return html`<p id="progress">${status}</p>
${view.partial && view.partial.length > 0 ? html`<h3>Finished IMP levels</h3>${levelsTable("partial", view.partial)}` : ""}`;
}

export function imageChartNote(view: RunView): Html {
  const spec = view.spec as ImageRunSpec;
  return html`Evaluated before training (epoch 0) and after each of the ${spec.training.epochs} epochs${spec.pruning.method === "imp" ? ", at every IMP level" : ""}; accuracy is 1 − error.`;
}

/** The last level's curve, at most 50 epochs of it. */
export function imageRunDetails(result: ImageRunResult): Html {
  const shown = thinCurve(result.curve, 50);
  const names = ["trainLoss", "trainError", "testLoss", "testError"] as const;
  return html`<details><summary>Curve${result.levels ? ` of level ${result.levels.at(-1)!.level}` : ""} (${result.curve.length} evaluations${result.curve.length > shown.length ? `, ${shown.length} shown` : ""})</summary>
<table id="curve"><thead><tr><th>epoch</th>${names.map((name) => html`<th>${METRIC_LABELS[name]}</th>`)}<th>test accuracy (%)</th></tr></thead><tbody>
${shown.map((p) => html`<tr><td>${p.epoch}</td>${names.map((name) => html`<td>${fixed(p[name], 4)}</td>`)}<td>${percentAccuracy(p.testError)}</td></tr>`)}
</tbody></table></details>`;
}

/** Six significant digits: an IMP level's realized density (0.800000216…) reads as 0.8. */
const sixDigits = (value: number) => String(Number(value.toPrecision(6)));
const densityCells = (density: number) => html`<td title="${density}">${sixDigits(density)}</td><td>${sixDigits(densityToSparsity(density))}</td>`;

/** The keys of an image aggregate's points, in the order of its rows (every row has the same). */
const pointKeys = (rows: readonly AggregateRow[]) => [...new Set(rows.flatMap((row) => Object.keys(row.point)))];

/**
 * An image sweep's aggregate, one row per method and density (an IMP level each): its grid values
 * (sparsity next to density), the runs, then test and train accuracy in percent and the losses,
 * each mean ± std over seeds.
 */
export function imageSweepTable(view: SweepView): Html {
  const keys = pointKeys(view.aggregate);
  const cell = (value: number | string | undefined) => (value === undefined || value === "" ? "–" : String(value));
  const paired = view.aggregate.some((row) => row.paired !== null);
  const rows = view.aggregate.map(
    (row) => html`<tr>
${keys.map((key) => (key === DENSITY_KEY ? densityCells(row.point[key] as number) : html`<td>${cell(row.point[key])}</td>`))}
<td>${row.completed}/${row.runs}</td><td>${row.diverged}</td>
<td class="stat">${meanStd(accuracyStat(row.final.testError), 2)}</td><td class="stat">${meanStd(accuracyStat(row.final.trainError), 2)}</td>
${LOSS_NAMES.map((name) => html`<td class="stat">${meanStd(row.final[name], 4)}</td>`)}
${paired ? html`<td class="stat">${pairedText(row.paired, "accuracy")}</td>` : ""}
</tr>`,
  );
  return html`<div class="table-scroll"><table id="aggregate">
<thead><tr>${keys.map((key) => html`<th title="${key}">${parameterLabel(key)}</th>${key === DENSITY_KEY ? html`<th title="fraction of weights pruned">sparsity</th>` : ""}`)}<th>runs done</th><th>runs diverged</th>
<th title="100 × (1 − test error): mean ± sample standard deviation over the seeds">test accuracy (%)</th><th title="100 × (1 − train error): mean ± sample standard deviation over the seeds">train accuracy (%)</th>
${LOSS_NAMES.map((name) => html`<th title="${name}: mean ± sample standard deviation over the seeds">${METRIC_LABELS[name]}</th>`)}${paired ? html`<th title="test accuracy minus that of the dense run of the same seed and other grid values (the same job's level 0 for IMP), in percentage points: mean ± standard error over seeds, and how many seeds pruning improved">test accuracy vs dense (paired)</th>` : ""}</tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
}
