import { METRIC_NAMES, fixed, mapAxes, meanStd, pairedText, parameterLabel, sparsityToDensity, thinCurve, type KindName, type SweepSpec } from "../core/index.js";
import type { Run, Schemas, Sweep } from "../client/index.js";
import { imageAggregateTable, imageRunLines, imageRunReport, imageSweepNote } from "./format-image.js";
import { markdownTable, textTable } from "./tables.js";
import type { Job } from "./wait.js";

export { markdownTable } from "./tables.js";

/**
 * Text for people: a run or sweep as lines for the terminal, and as a Markdown report. Pure
 * functions of the API's views, so `prunelab get` and `npm run reproduce` print the same numbers.
 */
type Preset = Schemas["Preset"];


/** Columns of an aggregate table, by the sweep's kind (a synthetic sweep: the grid values, runs, then mean ± std of each metric). */
export function aggregateTable(sweep: Sweep): { header: string[]; rows: string[][] } {
  return textOf(sweep.spec.base.kind).aggregateTable(sweep);
}

/** A synthetic sweep's columns: the grid values (and sparsity next to density), runs, then mean ± std. */
function syntheticAggregateTable(sweep: Sweep): { header: string[]; rows: string[][] } {
  const keys = Object.keys(sweep.spec.grid);
  const withSparsity = keys.includes("pruning.density");
  const paired = sweep.aggregate.some((row) => row.paired !== null);
  const header = [
    ...keys.map(parameterLabel),
    ...(withSparsity ? ["sparsity"] : []),
    "runs",
    "no-signal runs",
    ...METRIC_NAMES.map((name) => `${name} (mean ± std)`),
    ...(paired ? ["testError vs dense, paired (mean ± se)"] : []),
  ];
  const rows = sweep.aggregate.map((row) => [
    ...keys.map((key) => String(row.point[key])),
    ...(withSparsity ? [String(sparsityToDensity(row.point["pruning.density"] as number))] : []),
    row.completed === row.runs ? String(row.runs) : `${row.completed}/${row.runs}`,
    String(row.missingSignalNeurons),
    ...METRIC_NAMES.map((name) => meanStd(row.final[name])),
    ...(paired ? [pairedText(row.paired)] : []),
  ]);
  return { header, rows };
}

export function describeRun(run: Run, apiUrl: string): string {
  const lines = [`run ${run.hash}  ${run.status}  (${run.placement})`, ...textOf(run.spec.kind).runLines(run)];
  if (run.error) lines.push(`  error ${run.error.code}: ${run.error.message}`);
  lines.push(`  view ${apiUrl}/view/runs/${run.hash}`);
  return lines.join("\n");
}

/** A synthetic run's lines: final metrics, signal neurons and density, or its step. */
function syntheticRunLines(run: Run): string[] {
  const lines: string[] = [];
  const synthetic = run.result && "diagnostics" in run.result ? run.result : null;
  if (run.result) {
    const f = run.result.final;
    lines.push(`  train error ${fixed(f.trainError)}  test error ${fixed(f.testError)}  train loss ${fixed(f.trainLoss, 5)}  test loss ${fixed(f.testLoss, 5)}${run.result.diverged ? "  DIVERGED" : ""}`);
    if (synthetic) lines.push(`  signal neurons ${synthetic.diagnostics.signalNeurons.join("/")}  realized density ${fixed(synthetic.diagnostics.realizedDensity, 4)}`);
  }
  if (run.progress) lines.push(`  step ${run.progress.step} of ${"steps" in run.spec.training ? run.spec.training.steps : "?"}`);
  return lines;
}

export function describeSweep(sweep: Sweep, apiUrl: string): string {
  const counts = Object.entries(sweep.counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(", ");
  const { header, rows } = aggregateTable(sweep);
  // a sweep with two numeric axes also has a regime map
  const map = mapAxes(sweep.spec as SweepSpec) ? [`map  ${apiUrl}/v1/sweeps/${sweep.hash}/map.svg`] : [];
  return [`sweep ${sweep.hash}  ${sweep.status}  ${sweep.size} runs: ${counts}`, "", textTable(header, rows), "", `view ${apiUrl}/view/sweeps/${sweep.hash}`, ...map].join("\n");
}

export const describeJob = (job: Job, apiUrl: string) => (job.kind === "run" ? describeRun(job.view, apiUrl) : describeSweep(job.view, apiUrl));

export function describePresets(presets: Preset[]): string {
  return textTable(
    ["name", "kind", "hash", "title"],
    presets.map((p) => [p.name, p.kind, p.hash.slice(0, 12), p.title]),
    "left",
  );
}

/** The Markdown report `npm run reproduce` writes next to chart.svg. */
export function reproductionReport(preset: Preset, job: Job, apiUrl: string, generatedAt: string, files: { map?: boolean } = {}): string {
  const head = [
    `# ${preset.name}: ${preset.title}`,
    "",
    `Generated ${generatedAt} from ${apiUrl}. Hash \`${preset.hash}\`.`,
    "",
    `**The paper's claim.** ${preset.claim}`,
    "",
    `**Reading of the paper.** ${preset.reading}`,
    "",
    "![chart](chart.svg)",
    "",
  ];
  if (job.kind === "sweep") {
    const sweep = job.view;
    const { header, rows } = aggregateTable(sweep);
    const map = files.map ? ["![regime map](map.svg)", ""] : [];
    const listed = `Files: \`sweep.json\` (the full view), \`table.csv\`, \`chart.json\` (Vega-Lite), \`chart.svg\`${files.map ? ", `map.json` (Vega-Lite), `map.svg`" : ""}.`;
    return [...head, ...map, textOf(sweep.spec.base.kind).sweepNote(sweep), "", markdownTable(header, rows), "", listed, ""].join("\n");
  }
  const run = job.view;
  const body = textOf(run.spec.kind).runReport(run);
  if (!body) return [...head, `Status: ${run.status}; no result.`, ""].join("\n");
  return [...head, ...body, "", "Files: `run.json` (the full view), `chart.json` (Vega-Lite), `chart.svg`.", ""].join("\n");
}

/** A synthetic run's report body: final metrics and diagnostics, and its curve. */
function syntheticRunReport(run: Run): string[] | null {
  const result = run.result && "diagnostics" in run.result ? run.result : null;
  if (!result) return null;
  const curve = thinCurve(result.curve, 11).map((p) => [String(p.step), ...METRIC_NAMES.map((name) => fixed(p[name], 4)), p.signalAlignment.map((v) => fixed(v)).join(" / "), fixed(p.noiseAlignment)]);
  return [
    `Status: ${run.status}. Final: train error ${fixed(result.final.trainError)}, test error ${fixed(result.final.testError)}, train loss ${fixed(result.final.trainLoss, 5)}, test loss ${fixed(result.final.testLoss, 5)}. Signal neurons per class: ${result.diagnostics.signalNeurons.join(", ")}; realized density ${fixed(result.diagnostics.realizedDensity, 4)}.`,
    "",
    markdownTable(["step", ...METRIC_NAMES, "signal alignment", "noise alignment"], curve),
  ];
}

/** How each experiment kind's runs and sweeps read as text. */
interface KindText {
  /** Lines under a run's first line: its result, or how far it is. */
  runLines(run: Run): string[];
  /** A report's body for a run with a result; null without one. */
  runReport(run: Run): string[] | null;
  aggregateTable(sweep: Sweep): { header: string[]; rows: string[][] };
  /** What a report says of a sweep's table. */
  sweepNote(sweep: Sweep): string;
}

/** The text of each experiment kind (docs/architecture.md, Experiment kinds): one entry per kind. */
const KIND_TEXT: Record<KindName, KindText> = {
  synthetic: {
    runLines: syntheticRunLines,
    runReport: syntheticRunReport,
    aggregateTable: syntheticAggregateTable,
    sweepNote: (sweep) =>
      `Status: ${sweep.status}; ${sweep.spec.repeats} repeats per point (seeds ${sweep.spec.base.seed}–${sweep.spec.base.seed + sweep.spec.repeats - 1}); mean ± sample standard deviation over the runs of each point.${sweep.aggregate.some((row) => row.paired !== null) ? ' "vs dense, paired": test error minus that of the dense run (density 1) of the same seed and other grid values, mean ± standard error over seeds, and how many seeds pruning improved.' : ""} "No-signal runs": runs in which some class has no signal neuron (no filter keeps its signal coordinate).`,
  },
  image: { runLines: imageRunLines, runReport: imageRunReport, aggregateTable: imageAggregateTable, sweepNote: imageSweepNote },
};

const textOf = (kind: KindName): KindText => KIND_TEXT[kind];
