import { createStream, parseRunSpec, type ImageData, type ImageRunSpec, type ImageSplit } from "../../src/core/index.js";

/**
 * A tiny learnable image data set for the trainer's tests: 4 × 4 one-channel images whose class
 * (of 3) is the brightest of three horizontal bands, plus noise. Labelled `mnist` because the MLP
 * architecture is defined for it; the trainer reads sizes from the data, not from the name.
 */
export function tinyImageData(seed = 0, trainCount = 200, testCount = 90): ImageData {
  const random = createStream(seed, "trainData");
  const split = (count: number): ImageSplit => {
    const images = new Uint8Array(count * 16);
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const label = random.int(3);
      labels[i] = label;
      for (let k = 0; k < 16; k++) {
        const band = Math.min(2, Math.floor(k / 6));
        const base = band === label ? 170 : 60;
        images[i * 16 + k] = Math.max(0, Math.min(255, Math.round(base + 110 * random.normal())));
      }
    }
    return { count, images, labels };
  };
  return { dataset: "mnist", shape: [1, 4, 4], classes: 3, train: split(trainCount), test: split(testCount), sha256: "0".repeat(64) };
}

/** An image spec for the tiny data (defaults: the MLP's Table 1 settings, then these). */
export function tinySpec(input: { seed?: number; trainSize?: number; pruning?: object; training?: object }): ImageRunSpec {
  return parseRunSpec({ kind: "image", seed: input.seed ?? 0, data: { trainSize: input.trainSize ?? 150 }, pruning: input.pruning, training: { epochs: 3, batchSize: 32, learningRate: 0.1, ...input.training } }) as ImageRunSpec;
}
