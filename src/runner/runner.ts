import { Worker } from "node:worker_threads";
import { toProvenance, type EngineInfo, type RunResult } from "../core/index.js";
import { ProblemError, expectOk, type PrunelabClient } from "../client/index.js";
import type { RunnerBackend } from "./backends.js";

export interface RunnerEvent {
  event: "leased" | "progress" | "completed" | "failed" | "lost" | "idle" | "stopping" | "stopped";
  hash?: string;
  step?: number;
  steps?: number;
  trainLoss?: number | null;
  message?: string;
}

export interface RunnerOptions {
  client: PrunelabClient;
  runnerId: string;
  concurrency: number;
  backend: RunnerBackend;
  leaseSeconds: number;
  pollSeconds: number;
  onEvent(event: RunnerEvent): void;
  /** Starts a training thread; replaceable in tests. */
  spawnTrainer?: (backend: RunnerBackend) => Worker;
}

/** Not worth retrying: the API refused our credentials or our requests. */
export class FatalRunnerError extends Error {}

interface Job {
  hash: string;
  leaseId: string;
  spec: unknown;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function defaultSpawnTrainer(backend: RunnerBackend): Worker {
  return new Worker(new URL("./train-worker-entry.mjs", import.meta.url), { workerData: { backend } });
}

/**
 * A companion runner (docs/runner.md; docs/architecture.md, Leases and fencing): leases `runner`
 * jobs, trains each in its own worker thread, heartbeats while it trains, and posts the result or
 * the failure, always with the lease id. When the API answers 409 (the lease is gone: expired,
 * canceled, taken over) the work is discarded. `stop()` stops leasing and lets running jobs finish;
 * `stop({ abandon: true })` terminates them (their leases expire and the jobs return to the queue).
 */
export function createRunner(options: RunnerOptions) {
  const { client, onEvent } = options;
  const spawnTrainer = options.spawnTrainer ?? defaultSpawnTrainer;
  const active = new Map<string, Worker>();
  /** Idle training threads, reused across jobs: a thread's backend starts once (~1 s saved per job). */
  const idle: Worker[] = [];
  let leasing = true;
  let abandoning = false;
  let wake: (() => void) | undefined;

  const lost = (error: unknown) => error instanceof ProblemError && error.status === 409;
  const fatal = (error: unknown) => error instanceof ProblemError && (error.status === 401 || error.status === 403);

  async function runJob(job: Job): Promise<void> {
    const worker = idle.pop() ?? spawnTrainer(options.backend);
    active.set(job.hash, worker);
    let reusable = false;
    const startedAt = new Date();
    let step = 0;
    let abandoned = false;
    const beat = setInterval(async () => {
      try {
        expectOk(await client.POST("/v1/runner/jobs/{hash}/heartbeat", { params: { path: { hash: job.hash } }, body: { leaseId: job.leaseId, step, leaseSeconds: options.leaseSeconds } }));
      } catch (error) {
        if (lost(error)) {
          abandoned = true;
          onEvent({ event: "lost", hash: job.hash, message: "the lease is gone; work discarded" });
          await worker.terminate();
        }
      }
    }, (options.leaseSeconds * 1000) / 3);
    try {
      const outcome = await new Promise<{ result: RunResult; engine: EngineInfo } | { error: string; retryable: boolean }>((resolve) => {
        worker.removeAllListeners();
        worker.postMessage({ type: "train", spec: job.spec });
        worker.on("message", (message) => {
          if (message.type === "progress") {
            step = message.step;
            onEvent({ event: "progress", hash: job.hash, step: message.step, steps: message.steps, trainLoss: message.trainLoss });
          } else if (message.type === "done") {
            reusable = true;
            resolve({ result: message.result, engine: message.engine });
          } else if (message.type === "error") {
            reusable = true;
            resolve({ error: message.message, retryable: message.retryable });
          }
        });
        worker.on("error", (error) => resolve({ error: `the training thread crashed: ${error.message}`, retryable: true }));
        worker.on("exit", (code) => resolve({ error: `the training thread exited with code ${code}`, retryable: true }));
      });
      clearInterval(beat);
      if (abandoned || abandoning) return; // nothing to report: the lease is gone or will expire
      if ("result" in outcome) {
        const provenance = toProvenance({ engine: outcome.engine, executor: "runner", runnerId: options.runnerId, startedAt, finishedAt: new Date() });
        expectOk(await client.POST("/v1/runner/jobs/{hash}/complete", { params: { path: { hash: job.hash } }, body: { leaseId: job.leaseId, result: outcome.result, provenance } }));
        onEvent({ event: "completed", hash: job.hash, message: `${provenance.trainMs} ms` });
      } else {
        expectOk(await client.POST("/v1/runner/jobs/{hash}/fail", { params: { path: { hash: job.hash } }, body: { leaseId: job.leaseId, error: { code: "training_failed", message: outcome.error.slice(0, 4000) }, retryable: outcome.retryable } }));
        onEvent({ event: "failed", hash: job.hash, message: outcome.error });
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
          const response = await client.POST("/v1/runner/lease", { body: { runnerId: options.runnerId, max: free, leaseSeconds: options.leaseSeconds, capabilities: { backends: [options.backend] } } });
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
