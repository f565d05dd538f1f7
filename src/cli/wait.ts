import { SingleBar } from "cli-progress";
import { expectOk, type PrunelabClient, type Run, type Sweep } from "../client/index.js";
import { isFinalStatus } from "../core/index.js";
import { CliError, EXIT } from "./exit-codes.js";

export interface WaitOptions {
  /** Give up after this many seconds (exit code 6); the job goes on. */
  timeoutSeconds: number;
  pollMs?: number;
  /** Draw a progress bar on stderr (only when stderr is a terminal). */
  progress: boolean;
}

/** Polls `load` until `done`, drawing `{value}/{total}` from `measure`, within the timeout. */
async function poll<T>(load: () => Promise<T>, done: (value: T) => boolean, measure: (value: T) => { value: number; total: number; status: string }, unit: string, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  const bar = options.progress && process.stderr.isTTY ? new SingleBar({ stream: process.stderr, hideCursor: true, format: `{bar} {percentage}% | {value}/{total} ${unit} | {status}` }) : undefined;
  let current = await load();
  try {
    const first = measure(current);
    bar?.start(first.total, first.value, { status: first.status });
    while (!done(current)) {
      if (Date.now() >= deadline) throw new CliError(EXIT.timeout, `still ${measure(current).status} after ${options.timeoutSeconds} s; the job goes on`);
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
      current = await load();
      const progress = measure(current);
      bar?.setTotal(progress.total);
      bar?.update(progress.value, { status: progress.status });
    }
    return current;
  } finally {
    bar?.stop();
  }
}

export function waitForRun(client: PrunelabClient, hash: string, options: WaitOptions): Promise<Run> {
  return poll(
    async () => expectOk(await client.GET("/v1/runs/{hash}", { params: { path: { hash } } })),
    (run) => isFinalStatus(run.status),
    (run) => ({
      value: run.status === "succeeded" ? run.spec.training.steps : (run.progress?.step ?? 0),
      total: run.spec.training.steps,
      status: run.status,
    }),
    "steps",
    options,
  );
}

export function waitForSweep(client: PrunelabClient, hash: string, options: WaitOptions): Promise<Sweep> {
  return poll(
    async () => expectOk(await client.GET("/v1/sweeps/{hash}", { params: { path: { hash } } })),
    (sweep) => isFinalStatus(sweep.status),
    (sweep) => ({
      value: sweep.counts.succeeded + sweep.counts.failed + sweep.counts.canceled,
      total: sweep.size,
      status: `${sweep.status} (${sweep.counts.running} running, ${sweep.counts.queued} queued${sweep.counts.failed ? `, ${sweep.counts.failed} failed` : ""})`,
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
