import { SingleBar } from "cli-progress";
import { expectOk, type PrunelabClient, type Run, type Sweep } from "../client/index.js";
import { epochProgressText, isFinalStatus, progressLines, type KindName, type ProgressState } from "../core/index.js";
import { CliError, EXIT } from "./exit-codes.js";

export interface WaitOptions {
  /** Give up after this many seconds (exit code 6); the job goes on. */
  timeoutSeconds: number;
  pollMs?: number;
  /**
   * Show progress on stderr: a bar on a terminal; otherwise (a log, CI, a pipe) one plain line per
   * change, since cli-progress draws nothing there (core's progressLines).
   */
  progress: boolean;
}

/** One poll's reading: `status` alone names the state, `detail` adds what the bar shows beside it. */
interface Measure {
  value: number;
  total: number;
  status: string;
  detail?: string;
  /** Whether the plain lines (without a terminal) show `detail` too: an image run's level, epoch and loss do. */
  detailInLines?: boolean;
  /** What the API says a reader should know while waiting (no runner can take the job). */
  notice?: string | null;
}

/** Polls `load` until `done`, showing `{value}/{total}` from `measure`, within the timeout. */
async function poll<T>(load: () => Promise<T>, done: (value: T) => boolean, measure: (value: T) => Measure, unit: string, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  const bar = options.progress && process.stderr.isTTY ? new SingleBar({ stream: process.stderr, hideCursor: true, format: `{bar} {percentage}% | {value}/{total} ${unit} | {status}` }) : undefined;
  const label = (m: Measure) => (m.detail ? `${m.status} (${m.detail})` : m.status);
  let shown: ProgressState | null = null;
  let noticed: string | null = null;
  const show = (m: Measure) => {
    // A notice is printed once when it appears (or changes), above the bar or among the lines.
    if (m.notice && m.notice !== noticed) {
      if (bar) bar.stop();
      process.stderr.write(`note: ${m.notice}\n`);
      if (bar) bar.start(m.total, m.value, { status: label(m) });
    }
    noticed = m.notice ?? null;
    if (bar) {
      bar.setTotal(m.total);
      bar.update(m.value, { status: label(m) });
    } else if (options.progress) {
      const state = { status: m.status, value: m.value, total: m.total, unit, ...(m.detailInLines && m.detail ? { detail: m.detail } : {}) };
      for (const line of progressLines(shown, state)) process.stderr.write(`${line}\n`);
      shown = state;
    }
  };
  let current = await load();
  try {
    const first = measure(current);
    if (bar) {
      if (first.notice) process.stderr.write(`note: ${first.notice}\n`);
      noticed = first.notice ?? null;
      bar.start(first.total, first.value, { status: label(first) });
    } else show(first);
    while (!done(current)) {
      if (Date.now() >= deadline) throw new CliError(EXIT.timeout, `still ${label(measure(current))} after ${options.timeoutSeconds} s; the job goes on`);
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
      current = await load();
      show(measure(current));
    }
    return current;
  } finally {
    bar?.stop();
  }
}

type RunMeasure = Measure & { unit: string };

/**
 * How far a run is, by kind: synthetic runs in steps; image runs in epochs over all their
 * trainings (an IMP job trains levels + 1 networks; a requeued one counts the levels its partial
 * result holds), with `level 3/7 · epoch 12/120 · loss 0.08` beside.
 */
const RUN_MEASURES: Record<KindName, (run: Run, base: Pick<Measure, "status" | "notice">) => RunMeasure> = {
  synthetic: (run, base) => {
    const steps = "steps" in run.spec.training ? run.spec.training.steps : 0;
    return { ...base, value: run.status === "succeeded" ? steps : (run.progress?.step ?? 0), total: steps, unit: "steps" };
  },
  image: (run, base) => {
    const epochs = "epochs" in run.spec.training ? run.spec.training.epochs : 0;
    const total = epochs * ("levels" in run.spec.pruning ? run.spec.pruning.levels + 1 : 1);
    const progress = run.progress?.epoch !== undefined ? run.progress : null;
    const value = run.status === "succeeded" ? total : progress ? (progress.level ?? 0) * epochs + progress.epoch! : (run.partial?.length ?? 0) * epochs;
    const detail = progress ? epochProgressText(progress, "line") : undefined;
    return { ...base, value, total, unit: "epochs", ...(detail ? { detail, detailInLines: true } : {}) };
  },
};

export function measureRun(run: Run): RunMeasure {
  return RUN_MEASURES[run.spec.kind](run, { status: run.status, notice: run.notice });
}

export function waitForRun(client: PrunelabClient, hash: string, options: WaitOptions): Promise<Run> {
  return pollRun(async () => expectOk(await client.GET("/v1/runs/{hash}", { params: { path: { hash } } })), options);
}

/** Polls a run, its unit (steps or epochs) read from the first answer. */
async function pollRun(load: () => Promise<Run>, options: WaitOptions): Promise<Run> {
  const first = await load();
  let pending: Run | null = first;
  const next = async () => {
    const run = pending ?? (await load());
    pending = null;
    return run;
  };
  return poll(next, (run) => isFinalStatus(run.status), measureRun, measureRun(first).unit, options);
}

export function waitForSweep(client: PrunelabClient, hash: string, options: WaitOptions): Promise<Sweep> {
  return poll(
    async () => expectOk(await client.GET("/v1/sweeps/{hash}", { params: { path: { hash } } })),
    (sweep) => isFinalStatus(sweep.status),
    (sweep) => ({
      value: sweep.counts.succeeded + sweep.counts.failed + sweep.counts.canceled,
      total: sweep.size,
      status: sweep.status,
      detail: `${sweep.counts.running} running, ${sweep.counts.queued} queued${sweep.counts.failed ? `, ${sweep.counts.failed} failed` : ""}`,
      notice: sweep.notice,
    }),
    "runs",
    options,
  );
}

/** A submitted run or sweep, with its latest view. */
export type Job = { kind: "run"; view: Run } | { kind: "sweep"; view: Sweep };
export type Placement = "auto" | "edge" | "runner";

/** Submits a run or sweep spec as read (the API validates it). */
export async function submitJob(client: PrunelabClient, kind: Job["kind"], spec: unknown, placement: Placement): Promise<Job> {
  const body = { spec: spec as never, options: { placement } };
  return kind === "run"
    ? { kind, view: expectOk(await client.POST("/v1/runs", { body })) }
    : { kind, view: expectOk(await client.POST("/v1/sweeps", { body })) };
}

export async function waitForJob(client: PrunelabClient, job: Job, options: WaitOptions): Promise<Job> {
  return job.kind === "run" ? { kind: "run", view: await waitForRun(client, job.view.hash, options) } : { kind: "sweep", view: await waitForSweep(client, job.view.hash, options) };
}
