import { AppError, IMAGE_DATASETS, type ImageData, type ImageDataset, type ImageSplit } from "../../core/index.js";
import type { IdxImages, IdxLabels } from "./idx.js";

/**
 * ImageData (src/core/image-data.ts) from parsed splits, checked against the data set's image
 * shape and classes: what every trainer may then rely on. docs/data.md.
 */

function invalid(what: string): AppError {
  return new AppError("data_mismatch", `${what} (docs/data.md says where the files go)`, { retryable: true });
}

/** [C, H, W] of a data set (IMAGE_DATASETS lists [H, W, C]). */
export function imageShape(dataset: ImageDataset): readonly [number, number, number] {
  const [height, width, channels] = IMAGE_DATASETS[dataset].shape;
  return [channels, height, width];
}

/** How many labels name each class 0 … classes − 1. */
export function classCounts(labels: Uint8Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const label of labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

/** One split from an IDX images file and its labels file (single-channel images). */
export function idxSplit(dataset: ImageDataset, images: IdxImages, labels: IdxLabels, files: { images: string; labels: string }): ImageSplit {
  const [channels, height, width] = imageShape(dataset);
  if (channels !== 1) throw invalid(`${dataset} images have ${channels} channels; IDX files hold single-channel images`);
  if (images.rows !== height || images.cols !== width) {
    throw invalid(`${files.images} holds ${images.rows} × ${images.cols} images; ${dataset} images are ${height} × ${width}`);
  }
  if (images.count !== labels.count) throw invalid(`${files.images} holds ${images.count} images but ${files.labels} holds ${labels.count} labels`);
  return { count: images.count, images: images.images, labels: labels.labels };
}

function checkSplit(dataset: ImageDataset, name: "train" | "test", split: ImageSplit): void {
  const [channels, height, width] = imageShape(dataset);
  const { classes } = IMAGE_DATASETS[dataset];
  if (!Number.isInteger(split.count) || split.count < 1) throw invalid(`the ${dataset} ${name} split holds no images`);
  if (split.images.length !== split.count * channels * height * width) {
    throw invalid(`the ${dataset} ${name} split has ${split.images.length} pixel bytes for ${split.count} images of ${channels} × ${height} × ${width}`);
  }
  if (split.labels.length !== split.count) throw invalid(`the ${dataset} ${name} split has ${split.labels.length} labels for ${split.count} images`);
  const bad = split.labels.findIndex((label) => label >= classes);
  if (bad >= 0) throw invalid(`the ${dataset} ${name} split's label ${bad} is ${split.labels[bad]}; labels are 0 … ${classes - 1}`);
}

/** The data a trainer receives, after checking both splits against the data set's shape and classes. */
export function toImageData(dataset: ImageDataset, train: ImageSplit, test: ImageSplit, sha256: string): ImageData {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`a data set's sha256 is 64 lowercase hex digits, not "${sha256}"`);
  checkSplit(dataset, "train", train);
  checkSplit(dataset, "test", test);
  return { dataset, shape: imageShape(dataset), classes: IMAGE_DATASETS[dataset].classes, train, test, sha256 };
}
