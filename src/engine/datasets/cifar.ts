import { AppError } from "../../core/index.js";

/**
 * CIFAR-10's binary batches: records of one label byte (0 … 9) and 3,072 pixel bytes, the red,
 * green and blue 32 × 32 planes in row-major order, so each image is already channel-major
 * (C × H × W). A published batch holds 10,000 records (30,730,000 bytes). docs/data.md.
 */

export const CIFAR_IMAGE_BYTES = 3 * 32 * 32;
export const CIFAR_RECORD_BYTES = 1 + CIFAR_IMAGE_BYTES;
export const CIFAR_CLASSES = 10;

export interface CifarBatch {
  /** The batch's name, for messages. */
  file: string;
  bytes: Uint8Array;
}

export interface CifarSplit {
  count: number;
  /** count × 3 × 32 × 32 bytes, the batches' images in file order. */
  images: Uint8Array;
  labels: Uint8Array;
}

function malformed(file: string, what: string): AppError {
  return new AppError("data_mismatch", `${file} is not a valid CIFAR-10 batch: ${what} (docs/data.md says where the files go)`, { retryable: true });
}

/** Records in one batch, after checking that its length is a whole number of records. */
function recordsOf({ file, bytes }: CifarBatch): number {
  if (bytes.length === 0 || bytes.length % CIFAR_RECORD_BYTES !== 0) {
    throw malformed(file, `${bytes.length} bytes is not a positive multiple of the ${CIFAR_RECORD_BYTES}-byte record (1 label + ${CIFAR_IMAGE_BYTES} pixels)`);
  }
  return bytes.length / CIFAR_RECORD_BYTES;
}

/** Batches concatenated in the order given (one split), each record's label checked to be 0 … 9. */
export function parseCifarBatches(batches: readonly CifarBatch[]): CifarSplit {
  const counts = batches.map(recordsOf);
  const count = counts.reduce((sum, n) => sum + n, 0);
  const images = new Uint8Array(count * CIFAR_IMAGE_BYTES);
  const labels = new Uint8Array(count);
  let index = 0;
  batches.forEach(({ file, bytes }, b) => {
    for (let record = 0; record < counts[b]!; record++, index++) {
      const at = record * CIFAR_RECORD_BYTES;
      const label = bytes[at]!;
      if (label >= CIFAR_CLASSES) throw malformed(file, `record ${record} (byte ${at}) has label ${label}; labels are 0 … ${CIFAR_CLASSES - 1}`);
      labels[index] = label;
      images.set(bytes.subarray(at + 1, at + CIFAR_RECORD_BYTES), index * CIFAR_IMAGE_BYTES);
    }
  });
  return { count, images, labels };
}
