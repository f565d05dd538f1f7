import * as tf from "@tensorflow/tfjs-core";
import { AppError, type ImageData, type ImageDataset, type ImageSplit, type Random } from "../../core/index.js";

/**
 * Batches of an image data set as tensors, built on the host one batch at a time (no tensor of a
 * whole split): pixels x/255 normalised per channel by the data set's mean and std, flattened in
 * the images' C × H × W order (for MNIST the file's row-major 28 × 28, as PyTorch's `view(-1, 784)`).
 */

/** Per-channel mean and std of the training split (x/255 scale), as torchvision's examples use them. */
export const NORMALIZATION: Partial<Record<ImageDataset, { mean: readonly number[]; std: readonly number[] }>> = {
  mnist: { mean: [0.1307], std: [0.3081] },
};

export interface Batches {
  readonly pixels: number;
  readonly classes: number;
  /** The inputs of `split`'s examples order[start … end) (file order when `order` is null), [B, C·H·W]. */
  inputs(split: ImageSplit, order: Uint32Array | null, start: number, end: number): tf.Tensor2D;
  /** Their labels one-hot, [B, classes]. */
  targets(split: ImageSplit, order: Uint32Array | null, start: number, end: number): tf.Tensor2D;
  /** Their labels as int32, [B]. */
  labels(split: ImageSplit, order: Uint32Array | null, start: number, end: number): tf.Tensor1D;
}

export function createBatches(data: ImageData): Batches {
  const [channels, height, width] = data.shape;
  const plane = height * width;
  const pixels = channels * plane;
  const normalization = NORMALIZATION[data.dataset];
  if (!normalization || normalization.mean.length !== channels) throw new AppError("misconfigured", `no normalization for ${data.dataset} with ${channels} channels`);
  // one lookup table per channel: byte → normalised float32
  const table = new Float32Array(256 * channels);
  for (let c = 0; c < channels; c++) for (let v = 0; v < 256; v++) table[c * 256 + v] = (v / 255 - normalization.mean[c]!) / normalization.std[c]!;
  const index = (order: Uint32Array | null, i: number) => (order ? order[i]! : i);
  return {
    pixels,
    classes: data.classes,
    inputs(split, order, start, end) {
      // a fresh array per batch: the cpu backend keeps the array it is given
      const values = new Float32Array((end - start) * pixels);
      for (let i = start; i < end; i++) {
        const source = index(order, i) * pixels;
        const target = (i - start) * pixels;
        for (let c = 0; c < channels; c++) {
          const offset = c * plane;
          for (let k = offset; k < offset + plane; k++) values[target + k] = table[c * 256 + split.images[source + k]!]!;
        }
      }
      return tf.tensor2d(values, [end - start, pixels]);
    },
    targets(split, order, start, end) {
      const values = new Float32Array((end - start) * data.classes);
      for (let i = start; i < end; i++) values[(i - start) * data.classes + split.labels[index(order, i)]!] = 1;
      return tf.tensor2d(values, [end - start, data.classes]);
    },
    labels(split, order, start, end) {
      return tf.tensor1d(Int32Array.from({ length: end - start }, (_, i) => split.labels[index(order, start + i)]!), "int32");
    },
  };
}

/** A uniformly random permutation of 0 … n − 1 (Fisher–Yates from the identity). */
export function permutation(random: Random, n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const value = order[i]!;
    order[i] = order[j]!;
    order[j] = value;
  }
  return order;
}
