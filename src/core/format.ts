import type { PairedDifference } from "./aggregate-paired.js";
import type { Stat } from "./aggregate-stats.js";
import type { MetricName } from "./result-schema.js";
import { sparsityToDensity } from "./spec.js";

/** Text for people, shared by the pages and the CLI so both print the same numbers. */
export const fixed = (value: number | null | undefined, digits = 3): string => (value === null || value === undefined ? "–" : value.toFixed(digits));

/** `0.414 ± 0.037`; the mean alone when there is one run, `–` when there is none. */
export const meanStd = (stat: Stat, digits = 3): string =>
  stat.mean === null ? "–" : stat.std === null ? fixed(stat.mean, digits) : `${fixed(stat.mean, digits)} ± ${fixed(stat.std, digits)}`;

/** `+0.012`: a signed difference (a plus sign on gains too, so a column of them reads at a glance); `–` when missing. */
export const signed = (value: number | null | undefined, digits = 3): string => (value === null || value === undefined ? "–" : `${value > 0 ? "+" : ""}${value.toFixed(digits)}`);

/**
 * A paired comparison with the dense run of the same seed (docs/decisions/015-paired-comparisons-and-regime-maps.md)
 * as `-0.031 ± 0.008 (9/10 better)`: the mean difference in test error ± its standard error, and
 * how many seeds pruning improved. `accuracy` shows it as an image sweep's accuracy difference in
 * percentage points (`+0.42 ± 0.11 pp (3/3 better)`). `–` when the row has no dense reference.
 */
export function pairedText(paired: PairedDifference | null, style: "error" | "accuracy" = "error"): string {
  if (!paired || paired.mean === null) return "–";
  const scale = style === "accuracy" ? -100 : 1;
  const digits = style === "accuracy" ? 2 : 3;
  const unit = style === "accuracy" ? " pp" : "";
  const spread = paired.se === null ? "" : ` ± ${fixed(paired.se * Math.abs(scale), digits)}`;
  return `${signed(paired.mean * scale, digits)}${spread}${unit} (${paired.improved}/${paired.n} better)`;
}

/** Accuracy in percent (1 − error: the paper's Figure 3 axis) of an error; null stays null. */
export const accuracyOf = (error: number | null | undefined): number | null => (error === null || error === undefined || !Number.isFinite(error) ? null : 100 * (1 - error));

/** `98.21`: an error as accuracy in percent, two decimals; `–` when missing. */
export const percentAccuracy = (error: number | null | undefined): string => fixed(accuracyOf(error), 2);

/** A summary of errors as a summary of accuracies in percent: the mean and extremes mirrored, the spread scaled. */
export function accuracyStat(stat: Stat): Stat {
  return {
    n: stat.n,
    mean: accuracyOf(stat.mean),
    std: stat.std === null ? null : 100 * stat.std,
    min: accuracyOf(stat.max),
    max: accuracyOf(stat.min),
  };
}

/** What an image run's heartbeat reports, as the pages and the CLI say it. */
export interface ReportedProgress {
  epoch?: number | undefined;
  epochs?: number | undefined;
  level?: number | undefined;
  levels?: number | undefined;
  loss?: number | null | undefined;
}

/**
 * How far an image run is, from what its last heartbeat reported (an IMP job's levels run
 * 0…levels; a random mask has no levels); empty when it said nothing of epochs. In words for the
 * pages (`level 3 of 7 · epoch 12 of 120 · training loss 0.1234`), compact for terminal lines
 * (`level 3/7 · epoch 12/120 · loss 0.0812`: the CLI's wait and the runner's log).
 */
export function epochProgressText(progress: ReportedProgress, style: "words" | "line" = "words"): string {
  const of = style === "words" ? " of " : "/";
  const parts: string[] = [];
  if (progress.levels !== undefined && progress.levels > 0 && progress.level !== undefined) parts.push(`level ${progress.level}${of}${progress.levels}`);
  if (progress.epoch !== undefined) parts.push(progress.epochs !== undefined ? `epoch ${progress.epoch}${of}${progress.epochs}` : `epoch ${progress.epoch}`);
  if (parts.length > 0 && progress.loss !== undefined && progress.loss !== null) {
    parts.push(style === "words" ? `training loss ${progress.loss.toPrecision(4)}` : `loss ${Number(progress.loss.toPrecision(3))}`);
  }
  return parts.join(" · ");
}

/** The final metrics in words, for table headers (the wire keeps the camelCase names). */
export const METRIC_LABELS: Record<MetricName, string> = {
  trainLoss: "train loss",
  trainError: "train error",
  testLoss: "test loss",
  testError: "test error",
};

/**
 * Sparsity (the fraction pruned, §5) of a stored density: 1 − density rounded to 12 significant
 * digits, the same rounding that turned the sparsity asked for into the stored density
 * (docs/decisions/002-spec-hash.md), so `sparsity 0.3`, stored as density 0.7, comes back as 0.3,
 * not 0.30000000000000004.
 */
export const densityToSparsity = (density: number): number => sparsityToDensity(density);

/** What a waiting client knows about a job: its status and how far it is (`value` of `total` `unit`), and what else it shows beside. */
export interface ProgressState {
  status: string;
  value: number;
  total: number;
  unit: string;
  detail?: string;
}

/** Completed tenths of a job, 0 to 10. */
const tenths = (state: ProgressState): number => (state.total > 0 ? Math.min(10, Math.floor((state.value / state.total) * 10)) : 0);

/** `running 40% (400/1000 steps)`, and the detail after it: `running 40% (480/1200 epochs) level 3/7 · epoch 12/120 · loss 0.08`. */
export const progressText = (state: ProgressState): string =>
  `${state.status} ${Math.round((state.value / Math.max(1, state.total)) * 100)}% (${state.value}/${state.total} ${state.unit})${state.detail ? ` ${state.detail}` : ""}`;

/**
 * The plain lines a wait prints without a terminal, one per change (docs/decisions/006-charts-pages-and-cli.md):
 * the first status (`queued`), each status change (`queued → running`), and progress each time it
 * crosses another tenth while the status stays (`running 40% (400/1000 steps)`). Nothing when
 * nothing worth a line changed, so a log holds at most about ten progress lines per job.
 */
export function progressLines(previous: ProgressState | null, current: ProgressState): string[] {
  const lines: string[] = [];
  if (previous === null) lines.push(current.status);
  else if (previous.status !== current.status) lines.push(`${previous.status} → ${current.status}`);
  const crossed = previous === null ? tenths(current) > 0 : tenths(current) > tenths(previous);
  if (crossed && current.status === "running") lines.push(progressText(current));
  return lines;
}
