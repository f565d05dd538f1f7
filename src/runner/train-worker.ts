/**
 * A worker thread that trains one job: one tfjs engine per thread (DESIGN §3). Receives
 * `{ spec, backend }`, posts `{ type: "progress", step, steps, trainLoss }` messages and finally
 * `{ type: "done", result, engine }` or `{ type: "error", message, retryable }`.
 */
import { parentPort, workerData } from "node:worker_threads";
import { parseRunSpec } from "../core/index.js";
import { engineInfo, train } from "../engine/train.js";
import { RUNNER_BACKENDS, type RunnerBackend } from "./backends.js";

const { spec, backend } = workerData as { spec: unknown; backend: RunnerBackend };
const port = parentPort!;
try {
  await RUNNER_BACKENDS[backend]();
  const result = await train(parseRunSpec(spec), { onProgress: (progress) => port.postMessage({ type: "progress", ...progress }) });
  port.postMessage({ type: "done", result, engine: engineInfo() });
} catch (error) {
  // training is deterministic: the same spec would fail again
  port.postMessage({ type: "error", message: (error as Error).message, retryable: false });
}
