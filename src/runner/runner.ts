import { toProvenance, type EngineInfo, type ErrorCode, type PartialResult, type RunResult } from "../core/index.js";
import { ProblemError, expectOk, type PrunelabClient, type Schemas } from "../client/index.js";
import type { RunnerBackend } from "./backends.js";
import type { RunnerCapabilities } from "./capabilities.js";

/** An image trainer's progress: epochs done of the level training, the level and the last level (0 for a random mask), the last epoch's loss. */
export type EpochProgress = Schemas["EpochProgress"];

export interface RunnerEvent {
  event: "leased" | "progress" | "partial" | "completed" | "failed" | "lost" | "idle" | "stopping" | "stopped";
  hash?: string;
  /** Synthetic runs: steps done of `steps`, and the loss at the latest evaluation. */
  step?: number;
  steps?: number;
  trainLoss?: number | null;
  /** Image runs: the epoch progress (`progress`), or the levels finished (`partial`). */
  epoch?: number;
  epochs?: number;
  level?: number;
  levels?: number;
  loss?: number | null;
  message?: string;
}

export interface RunnerOptions {
  client: PrunelabClient;
  runnerId: string;
  concurrency: number;
  backend: RunnerBackend;
  leaseSeconds: number;
  pollSeconds: number;
  /** What it declares when it leases: it is leased only jobs it can train. */
  capabilities: RunnerCapabilities;
  /** Where the trainers read data sets from (their loader's default when absent). */
  dataDir?: string;
  onEvent(event: RunnerEvent): void;
  /** Starts a trainer of the runner's backend (src/runner/trainers.ts); a scripted one in tests. */
  spawnTrainer: () => TrainerHandle;
}

/**
 * A trainer as the runner drives it: a tfjs worker thread, or a torch child process behind the
 * same interface (src/runner/torch-child.ts). It takes one `train` message at a time and answers
 * with `TrainerMessage`s; `error` (and a thread's `exit`) mean it crashed, which fails the job
 * retryably. `terminate()` ends it at once.
 */
export interface TrainerHandle {
  postMessage(message: { type: "train"; spec: unknown; partial: PartialResult | null }): void;
  on(event: "message", listener: (message: TrainerMessage) => void): this;
  on(event: "error", listener: (error: Error) => void): this;
  on(event: "exit", listener: (code: number) => void): this;
  removeAllListeners(): this;
  terminate(): Promise<unknown>;
}

/** Not worth retrying: the API refused our credentials or our requests. */
export class FatalRunnerError extends Error {}

interface Job {
  hash: string;
  leaseId: string;
  spec: unknown;
  /** What an earlier attempt finished, to resume from. */
  partial?: PartialResult | null;
}

/** What a trainer says about a job. */
export type TrainerMessage =
  | ({ type: "progress" } & ({ step: number; steps: number; trainLoss: number | null } | EpochProgress))
  | { type: "partial"; partial: PartialResult }
  | { type: "done"; result: RunResult; engine: EngineInfo }
  | { type: "error"; code?: ErrorCode; message: string; retryable: boolean };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A companion runner (docs/runner.md; docs/architecture.md, Leases and fencing): leases `runner`
 * jobs it can train (its declared capabilities), trains each in its own worker thread, heartbeats
 * with the latest progress while it trains, reports each finished IMP level (a partial result the
 * next lease resumes from), and posts the result or the failure, always with the lease id. When the API answers 409 (the lease is gone: expired,
 * canceled, taken over) the work is discarded. `stop()` stops leasing and lets running jobs finish;
 * `stop({ abandon: true })` terminates them (their leases expire and the jobs return to the queue).
 */
export function createRunner(options: RunnerOptions) {
  const { client, onEvent } = options;
  const active = new Map<string, TrainerHandle>();
  /** Idle trainers, reused across jobs: a thread's backend starts once (~1 s saved per job). */
  const idle: TrainerHandle[] = [];
  let leasing = true;
  let abandoning = false;
  let wake: (() => void) | undefined;

  const lost = (error: unknown) => error instanceof ProblemError && error.status === 409;
  const fatal = (error: unknown) => error instanceof ProblemError && (error.status === 401 || error.status === 403);

  async function runJob(job: Job): Promise<void> {
    const worker = idle.pop() ?? options.spawnTrainer();
    active.set(job.hash, worker);
    let reusable = false;
    const startedAt = new Date();
    // what the next heartbeat reports: a synthetic run's step, or an image run's epoch progress
    let step = 0;
    let epochs: EpochProgress | undefined;
    let abandoned = false;
    const abandon = async (message: string) => {
      if (abandoned) return;
      abandoned = true;
      onEvent({ event: "lost", hash: job.hash, message });
      await worker.terminate();
    };
    const beat = setInterval(async () => {
      try {
        const progress = epochs ? { progress: epochs } : { step };
        expectOk(await client.POST("/v1/runner/jobs/{hash}/heartbeat", { params: { path: { hash: job.hash } }, body: { leaseId: job.leaseId, ...progress, leaseSeconds: options.leaseSeconds } }));
      } catch (error) {
        if (lost(error)) await abandon("the lease is gone; work discarded");
      }
    }, (options.leaseSeconds * 1000) / 3);
    // Partial results go out one at a time, in order; one that cannot be stored costs only the resume point.
    let partials: Promise<void> = Promise.resolve();
    const report = (partial: PartialResult) => {
      partials = partials.then(async () => {
        if (abandoned) return;
        try {
          expectOk(await client.POST("/v1/runner/jobs/{hash}/partial", { params: { path: { hash: job.hash } }, body: { leaseId: job.leaseId, partial } }));
          onEvent({ event: "partial", hash: job.hash, levels: partial.levels.length, message: `${partial.levels.length} level(s) stored` });
        } catch (error) {
          if (lost(error)) await abandon("the lease is gone; work discarded");
          else onEvent({ event: "partial", hash: job.hash, message: `could not store the partial result: ${(error as Error).message}` });
        }
      });
    };
    try {
      const outcome = await new Promise<{ result: RunResult; engine: EngineInfo } | { code: ErrorCode; error: string; retryable: boolean }>((resolve) => {
        worker.removeAllListeners();
        worker.postMessage({ type: "train", spec: job.spec, partial: job.partial ?? null });
        worker.on("message", (message: TrainerMessage) => {
          if (message.type === "progress") {
            if ("epoch" in message) {
              const { type: _, ...progress } = message;
              epochs = progress;
              onEvent({ event: "progress", hash: job.hash, ...progress });
            } else {
              step = message.step;
              onEvent({ event: "progress", hash: job.hash, step: message.step, steps: message.steps, trainLoss: message.trainLoss });
            }
          } else if (message.type === "partial") {
            report(message.partial);
          } else if (message.type === "done") {
            reusable = true;
            resolve({ result: message.result, engine: message.engine });
          } else if (message.type === "error") {
            reusable = true;
            resolve({ code: message.code ?? "training_failed", error: message.message, retryable: message.retryable });
          }
        });
        // a crash is not the job's fault: the API requeues it while it has attempts left
        worker.on("error", (error) => resolve({ code: "training_failed", error: `the trainer crashed: ${error.message}`, retryable: true }));
        worker.on("exit", (code) => resolve({ code: "training_failed", error: `the trainer exited with code ${code}`, retryable: true }));
      });
      clearInterval(beat);
      await partials;
      if (abandoned || abandoning) return; // nothing to report: the lease is gone or will expire
      if ("result" in outcome) {
        const provenance = toProvenance({ engine: outcome.engine, executor: "runner", runnerId: options.runnerId, startedAt, finishedAt: new Date() });
        expectOk(await client.POST("/v1/runner/jobs/{hash}/complete", { params: { path: { hash: job.hash } }, body: { leaseId: job.leaseId, result: outcome.result, provenance } }));
        onEvent({ event: "completed", hash: job.hash, message: `${provenance.trainMs} ms` });
      } else {
        const body = { leaseId: job.leaseId, error: { code: outcome.code, message: outcome.error.slice(0, 4000) }, retryable: outcome.retryable };
        const { status } = expectOk(await client.POST("/v1/runner/jobs/{hash}/fail", { params: { path: { hash: job.hash } }, body }));
        onEvent({ event: "failed", hash: job.hash, message: `${outcome.error}${status === "queued" ? " (queued again)" : ""}` });
      }
    } catch (error) {
      if (lost(error)) onEvent({ event: "lost", hash: job.hash, message: "the lease was gone when the result arrived; discarded" });
      else onEvent({ event: "failed", hash: job.hash, message: `could not report: ${(error as Error).message}` });
    } finally {
      clearInterval(beat);
      active.delete(job.hash);
      if (reusable && !abandoned && leasing) {
        worker.removeAllListeners();
        idle.push(worker);
      } else await worker.terminate();
      wake?.();
    }
  }

  async function run(): Promise<void> {
    const running = new Set<Promise<void>>();
    while (leasing) {
      const free = options.concurrency - active.size;
      if (free > 0) {
        let jobs: Job[] = [];
        try {
          const response = await client.POST("/v1/runner/lease", { body: { runnerId: options.runnerId, max: free, leaseSeconds: options.leaseSeconds, capabilities: options.capabilities } });
          jobs = response.response.status === 204 ? [] : expectOk(response).jobs;
        } catch (error) {
          if (fatal(error)) throw new FatalRunnerError((error as Error).message);
          onEvent({ event: "idle", message: `lease request failed: ${(error as Error).message}` });
        }
        for (const job of jobs) {
          onEvent({ event: "leased", hash: job.hash });
          const promise = runJob(job).finally(() => running.delete(promise));
          running.add(promise);
        }
        if (jobs.length > 0) continue;
      }
      await Promise.race([sleep(options.pollSeconds * 1000), new Promise<void>((resolve) => (wake = resolve))]);
    }
    await Promise.all(running);
    await Promise.all(idle.splice(0).map((worker) => worker.terminate()));
    onEvent({ event: "stopped" });
  }

  let loop: Promise<void> | undefined;
  return {
    start(): Promise<void> {
      loop ??= run();
      return loop;
    },
    async stop(opts: { abandon?: boolean } = {}): Promise<void> {
      leasing = false;
      wake?.();
      onEvent({ event: "stopping", message: opts.abandon ? `abandoning ${active.size} job(s)` : `finishing ${active.size} job(s)` });
      abandoning = opts.abandon ?? false;
      if (opts.abandon) await Promise.all([...active.values()].map((worker) => worker.terminate()));
      await loop;
    },
    activeJobs: () => [...active.keys()],
  };
}
