/**
 * STAND-IN, to be replaced by the data loader (docs/decisions/013-image-kind.md): the data sets a
 * runner holds, and loading one for the image trainers. Only its two signatures are relied on here.
 */
import type { ImageData, ImageDataset } from "../core/index.js";

export interface DataOptions {
  /** Where the data sets are; the loader's default when absent. */
  dataDir?: string;
}

/** The data sets present on this machine, which the runner declares when it leases. */
export async function availableDatasets(_options: DataOptions = {}): Promise<ImageDataset[]> {
  return ["mnist"];
}

/** Reads and checks a data set for the image trainers. */
export async function loadImageData(dataset: ImageDataset, _options: DataOptions = {}): Promise<ImageData> {
  throw new Error(`loading ${dataset} is not implemented in this stand-in`);
}
