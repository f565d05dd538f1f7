/**
 * How each runner backend starts and trains (a registry, like the engine's TRAINERS): the tfjs
 * backends train in worker threads of the runner, the torch backend in a Python child process per
 * job (docs/decisions/014-torch-backend.md). Each entry checks that its backend works here before
 * the runner leases anything, and says what the runner declares.
 */
import { Worker } from "node:worker_threads";
import { TFJS_BACKENDS, type RunnerBackend, type TfjsBackend } from "./backends.js";
import { runnerCapabilities, type RunnerCapabilities } from "./capabilities.js";
import type { TrainerHandle } from "./runner.js";
import { probeTorch, torchRunnerCapabilities, TorchTrainer } from "./torch-child.js";

export interface BackendOptions {
  dataDir?: string;
  /** The torch backend's Python interpreter. */
  python: string;
  /** The torch backend's stall limit. */
  stallSeconds: number;
}

export interface PreparedBackend {
  capabilities: RunnerCapabilities;
  spawnTrainer(): TrainerHandle;
  /** What the runner says it trains with, for its first log line. */
  description: string;
}

/** A tfjs training thread of the given backend. */
export function spawnTrainingThread(backend: TfjsBackend, dataDir?: string): TrainerHandle {
  return new Worker(new URL("./train-worker-entry.mjs", import.meta.url), { workerData: { backend, dataDir } });
}

async function tfjsBackend(backend: TfjsBackend, options: BackendOptions): Promise<PreparedBackend> {
  await TFJS_BACKENDS[backend](); // throws BackendUnavailable when its package is missing
  const dataDir = options.dataDir === undefined ? {} : { dataDir: options.dataDir };
  return { capabilities: await runnerCapabilities({ backend, ...dataDir }), spawnTrainer: () => spawnTrainingThread(backend, options.dataDir), description: backend };
}

async function torchBackend(options: BackendOptions): Promise<PreparedBackend> {
  const dataDir = options.dataDir === undefined ? {} : { dataDir: options.dataDir };
  const probe = await probeTorch({ python: options.python, ...dataDir }); // throws BackendUnavailable when Python or torch is missing
  return {
    capabilities: torchRunnerCapabilities(probe),
    spawnTrainer: () => new TorchTrainer({ python: options.python, stallSeconds: options.stallSeconds, ...dataDir }),
    description: `torch ${probe.torch} on ${probe.device}${probe.cuda ? ` (CUDA ${probe.cuda})` : ""}`,
  };
}

export const RUNNER_TRAINERS: Record<RunnerBackend, (options: BackendOptions) => Promise<PreparedBackend>> = {
  wasm: (options) => tfjsBackend("wasm", options),
  "tfjs-node": (options) => tfjsBackend("tfjs-node", options),
  torch: torchBackend,
};
