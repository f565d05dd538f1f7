/**
 * A training thread: one tfjs engine per thread (docs/architecture.md, Measured facts), kept for
 * many jobs so the backend is initialized once. Receives `{ type: "train", spec, partial }`; posts
 * `{ type: "progress", … }` (a synthetic run's steps, an image run's epochs), `{ type: "partial",
 * partial }` after each finished IMP level, and then `{ type: "done", result, engine }` or
 * `{ type: "error", code, message, retryable }` for each job.
 */
import { parentPort, workerData } from "node:worker_threads";
import { AppError, parseRunSpec, type ErrorCode, type ImageData, type ImageDataset, type PartialResult, type RunSpec } from "../core/index.js";
import { engineInfoFor, trainRun, type RunTrainOptions } from "../engine/trainers.js";
import { TFJS_BACKENDS, type TfjsBackend } from "./backends.js";
import { loadImageData } from "./datasets.js";

const { backend, dataDir } = workerData as { backend: TfjsBackend; dataDir?: string };
const port = parentPort!;
const ready = TFJS_BACKENDS[backend]();

/** Data sets this thread loaded, by data set and directory: read (and checked) once, then kept for every job. */
const loaded = new Map<string, Promise<ImageData>>();
function dataFor(dataset: ImageDataset): Promise<ImageData> {
  const key = `${dataset}\u0000${dataDir ?? ""}`;
  let data = loaded.get(key);
  if (!data) {
    data = loadImageData(dataset, dataDir === undefined ? {} : { dataDir });
    // a failed load is not kept: the files may be fixed before the next job
    data.catch(() => loaded.delete(key));
    loaded.set(key, data);
  }
  return data;
}

/** The options of a job: progress for every kind; the image trainer's data, levels and resume point. */
async function optionsFor(spec: RunSpec, partial: PartialResult | null): Promise<RunTrainOptions> {
  const onProgress = (progress: object) => port.postMessage({ type: "progress", ...progress });
  if (spec.kind !== "image") return { onProgress };
  return {
    data: await dataFor(spec.data.dataset),
    onEpochProgress: onProgress,
    onLevel: (finished: PartialResult) => port.postMessage({ type: "partial", partial: finished }),
    ...(partial ? { resume: partial } : {}),
  };
}

port.on("message", async (message: { type: "train"; spec: unknown; partial?: PartialResult | null }) => {
  try {
    await ready;
    const spec = parseRunSpec(message.spec);
    const result = await trainRun(spec, await optionsFor(spec, message.partial ?? null));
    port.postMessage({ type: "done", result, engine: engineInfoFor(spec) });
  } catch (error) {
    // Training is deterministic: a failure in training would repeat, so it is not retryable. An
    // AppError keeps its code and says itself: missing or wrong data (`data_missing`,
    // `data_mismatch`) is retryable, since another runner's files, or fixed ones, can succeed.
    const code: ErrorCode = error instanceof AppError ? error.code : "training_failed";
    const retryable = error instanceof AppError ? error.retryable : false;
    port.postMessage({ type: "error", code, message: (error as Error).message, retryable });
  }
});
