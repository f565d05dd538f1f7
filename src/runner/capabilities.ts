import { IMAGE_ARCHS, KIND_NAMES, type KindName } from "../core/index.js";
import { TRAINERS } from "../engine/trainers.js";
import { BACKEND_ARCHS, type TfjsBackend } from "./backends.js";
import { availableDatasets } from "./datasets.js";

/** What a runner declares when it leases (docs/runner.md, The protocol): the API leases it only jobs it can train. */
export interface RunnerCapabilities {
  backends: string[];
  kinds: KindName[];
  archs: string[];
  datasets: string[];
}

/**
 * A tfjs runner's capabilities (the torch backend's: src/runner/torch-child.ts): the kinds the engine has a trainer for, and for image jobs the
 * architectures its backend trains that a trainer trains, and the data sets present in `dataDir`.
 * Read once when the runner starts: a data set added later is declared after a restart.
 */
export async function runnerCapabilities(options: { backend: TfjsBackend; dataDir?: string }): Promise<RunnerCapabilities> {
  const kinds = KIND_NAMES.filter((kind) => TRAINERS[kind] !== undefined);
  const image = kinds.includes("image");
  return {
    backends: [options.backend],
    kinds,
    archs: image ? BACKEND_ARCHS[options.backend].filter((arch) => IMAGE_ARCHS[arch].trainable) : [],
    datasets: image ? await availableDatasets(options.dataDir === undefined ? {} : { dataDir: options.dataDir }) : [],
  };
}
