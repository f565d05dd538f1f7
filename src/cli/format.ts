import { METRIC_NAMES, epochProgressText, fixed, meanStd, parameterLabel, sparsityToDensity, thinCurve } from "../core/index.js";
import type { Run, Schemas, Sweep } from "../client/index.js";
import type { Job } from "./wait.js";

/**
 * Text for people: a run or sweep as lines for the terminal, and as a Markdown report. Pure
 * functions of the API's views, so `prunelab get` and `npm run reproduce` print the same numbers.
 */
type Preset = Schemas["Preset"];


/** Columns of an aggregate table: the grid values (and sparsity next to density), runs, then mean ± std. */
export function aggregateTable(sweep: Sweep): { header: string[]; rows: string[][] } {
  const keys = Object.keys(sweep.spec.grid);
  const withSparsity = keys.includes("pruning.density");
  const header = [...keys.map(parameterLabel), ...(withSparsity ? ["sparsity"] : []), "runs", "no-signal runs", ...METRIC_NAMES.map((name) => `${name} (mean ± std)`)];
  const rows = sweep.aggregate.map((row) => [
    ...keys.map((key) => String(row.point[key])),
    ...(withSparsity ? [String(sparsityToDensity(row.point["pruning.density"] as number))] : []),
    row.completed === row.runs ? String(row.runs) : `${row.completed}/${row.runs}`,
    String(row.missingSignalNeurons),
    ...METRIC_NAMES.map((name) => meanStd(row.final[name])),
  ]);
  return { header, rows };
}

/** Columns padded to their widest cell: numbers right-aligned, words left-aligned. */
function textTable(header: string[], rows: string[][], align: "left" | "right" = "right"): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (align === "right" ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

export function markdownTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((row) => `| ${row.join(" | ")} |`)].join("\n");
}

export function describeRun(run: Run, apiUrl: string): string {
  const lines = [`run ${run.hash}  ${run.status}  (${run.placement})`];
  const synthetic = run.result && "diagnostics" in run.result ? run.result : null;
  if (run.result) {
    const f = run.result.final;
    lines.push(`  train error ${fixed(f.trainError)}  test error ${fixed(f.testError)}  train loss ${fixed(f.trainLoss, 5)}  test loss ${fixed(f.testLoss, 5)}${run.result.diverged ? "  DIVERGED" : ""}`);
    if (synthetic) lines.push(`  signal neurons ${synthetic.diagnostics.signalNeurons.join("/")}  realized density ${fixed(synthetic.diagnostics.realizedDensity, 4)}`);
  }
  const progress = run.progress;
  if (progress?.epoch !== undefined) {
    lines.push(`  ${epochProgressText({ epoch: progress.epoch, epochs: progress.epochs ?? 0, level: progress.level ?? 0, levels: progress.levels ?? 0, loss: progress.loss ?? null })}`);
  } else if (progress) {
    lines.push(`  step ${progress.step} of ${(run.spec as unknown as { training: { steps?: number } }).training.steps}`);
  }
  if (run.partial?.length) lines.push(`  levels finished: ${run.partial.map((level) => `${level.level} (density ${fixed(level.density, 4)}, test error ${fixed(level.final.testError)})`).join(", ")}`);
  if (run.error) lines.push(`  error ${run.error.code}: ${run.error.message}`);
  lines.push(`  view ${apiUrl}/view/runs/${run.hash}`);
  return lines.join("\n");
}

export function describeSweep(sweep: Sweep, apiUrl: string): string {
  const counts = Object.entries(sweep.counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(", ");
  const { header, rows } = aggregateTable(sweep);
  return [`sweep ${sweep.hash}  ${sweep.status}  ${sweep.size} runs: ${counts}`, "", textTable(header, rows), "", `view ${apiUrl}/view/sweeps/${sweep.hash}`].join("\n");
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
export function reproductionReport(preset: Preset, job: Job, apiUrl: string, generatedAt: string): string {
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
    return [...head, `Status: ${sweep.status}; ${sweep.spec.repeats} repeats per point (seeds ${sweep.spec.base.seed}–${sweep.spec.base.seed + sweep.spec.repeats - 1}); mean ± sample standard deviation over the runs of each point. "No-signal runs": runs in which some class has no signal neuron (no filter keeps its signal coordinate).`, "", markdownTable(header, rows), "", "Files: `sweep.json` (the full view), `table.csv`, `chart.json` (Vega-Lite), `chart.svg`.", ""].join("\n");
  }
  const run = job.view;
  const result = run.result && "diagnostics" in run.result ? run.result : null;
  if (!result) return [...head, `Status: ${run.status}; no result.`, ""].join("\n");
  const curve = thinCurve(result.curve, 11).map((p) => [String(p.step), ...METRIC_NAMES.map((name) => fixed(p[name], 4)), p.signalAlignment.map((v) => fixed(v)).join(" / "), fixed(p.noiseAlignment)]);
  return [
    ...head,
    `Status: ${run.status}. Final: train error ${fixed(result.final.trainError)}, test error ${fixed(result.final.testError)}, train loss ${fixed(result.final.trainLoss, 5)}, test loss ${fixed(result.final.testLoss, 5)}. Signal neurons per class: ${result.diagnostics.signalNeurons.join(", ")}; realized density ${fixed(result.diagnostics.realizedDensity, 4)}.`,
    "",
    markdownTable(["step", ...METRIC_NAMES, "signal alignment", "noise alignment"], curve),
    "",
    "Files: `run.json` (the full view), `chart.json` (Vega-Lite), `chart.svg`.",
    "",
  ].join("\n");
}
