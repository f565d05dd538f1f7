import type { ImageDataset } from "./kinds/image.js";

/**
 * A data set as the image trainers receive it (docs/decisions/013-image-kind.md): the standard
 * training and test splits in file order, pixels as unsigned bytes, each image channel-major
 * (C × H × W; MNIST has C = 1, so it is its file's row-major 28 × 28). Loading and verifying the
 * files is the runner's (src/runner/datasets.ts); trainers only read this.
 */
export interface ImageSplit {
  count: number;
  /** count × C × H × W bytes. */
  images: Uint8Array;
  /** count labels, 0 … classes − 1. */
  labels: Uint8Array;
}

export interface ImageData {
  dataset: ImageDataset;
  /** [C, H, W]. */
  shape: readonly [number, number, number];
  classes: number;
  train: ImageSplit;
  test: ImageSplit;
  /** SHA-256 over the files read, in a fixed order (docs/data.md): recorded in every result's `dataset`. */
  sha256: string;
}
