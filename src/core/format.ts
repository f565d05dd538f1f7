import type { Stat } from "./aggregate.js";
import type { MetricName } from "./result-schema.js";
import { sparsityToDensity } from "./spec.js";

/** Text for people, shared by the pages and the CLI so both print the same numbers. */
export const fixed = (value: number | null | undefined, digits = 3): string => (value === null || value === undefined ? "–" : value.toFixed(digits));

/** `0.414 ± 0.037`; the mean alone when there is one run, `–` when there is none. */
export const meanStd = (stat: Stat): string => (stat.mean === null ? "–" : stat.std === null ? fixed(stat.mean) : `${fixed(stat.mean)} ± ${fixed(stat.std)}`);

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

/**
 * An image run's progress in words, for the CLI's wait and the runner's live line:
 * `level 3/7 · epoch 12/120 · loss 0.08` (no level for a random mask: `levels` is 0).
 */
export function epochProgressText(progress: { epoch: number; epochs: number; level: number; levels: number; loss: number | null }): string {
  const parts = [...(progress.levels > 0 ? [`level ${progress.level}/${progress.levels}`] : []), `epoch ${progress.epoch}/${progress.epochs}`];
  if (progress.loss !== null) parts.push(`loss ${Number(progress.loss.toPrecision(3))}`);
  return parts.join(" · ");
}

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
