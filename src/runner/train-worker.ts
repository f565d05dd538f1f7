/**
 * A training thread: one tfjs engine per thread (docs/architecture.md, Measured facts), kept for
 * many jobs so the backend is initialized once. Receives `{ type: "train", spec }`; posts
 * `{ type: "progress", … }` and then `{ type: "done", result, engine }` or
 * `{ type: "error", message, retryable }` for each job.
 */
import { parentPort, workerData } from "node:worker_threads";
import { parseRunSpec } from "../core/index.js";
import { engineInfo } from "../engine/train.js";
import { trainRun } from "../engine/trainers.js";
import { RUNNER_BACKENDS, type RunnerBackend } from "./backends.js";

const { backend } = workerData as { backend: RunnerBackend };
const port = parentPort!;
const ready = RUNNER_BACKENDS[backend]();

port.on("message", async (message: { type: "train"; spec: unknown }) => {
  try {
    await ready;
    const result = await trainRun(parseRunSpec(message.spec), { onProgress: (progress) => port.postMessage({ type: "progress", ...progress }) });
    port.postMessage({ type: "done", result, engine: engineInfo() });
  } catch (error) {
    // training is deterministic: the same spec would fail again
    port.postMessage({ type: "error", message: (error as Error).message, retryable: false });
  }
});
