import { describe, expect, it } from "vitest";
import { imageRunResultSchema, parseRunSpec, type ImageRunSpec } from "../../src/core/index.js";
import { trainImage } from "../../src/engine/image/train-image.js";
import { useNodeBackend } from "../../src/engine/node.js";
import { loadImageData } from "../../src/runner/datasets.js";

/**
 * The MLP trainer on real MNIST against an independent PyTorch run of the same experiment: the
 * first 2,000 training images, 10 epochs, density 0.2 (random uniform), 784-1024-1024-10, lr 0.1,
 * batch 128, no momentum. PyTorch reaches 88.8–89.3% test accuracy over seeds; the mean over three
 * seeds here must be within 1.5 points of 89%. About half a minute of one core per seed.
 */
describe("the MLP trainer on MNIST", () => {
  it("reaches PyTorch's test accuracy with 2,000 images at density 0.2", { timeout: 900_000 }, async () => {
    await useNodeBackend("wasm");
    const data = await loadImageData("mnist");
    const accuracies: number[] = [];
    for (const seed of [0, 1, 2]) {
      const spec = parseRunSpec({
        kind: "image",
        seed,
        data: { trainSize: 2000 },
        pruning: { method: "random", density: 0.2 },
        training: { epochs: 10, learningRate: 0.1, batchSize: 128, momentum: 0 },
      }) as ImageRunSpec;
      const result = await trainImage(spec, { data });
      expect(imageRunResultSchema.parse(result)).toEqual(result);
      expect(result.diverged).toBe(false);
      expect(result.density).toBeCloseTo(0.2, 6);
      expect(result.curve).toHaveLength(11);
      accuracies.push(100 * (1 - result.final.testError!));
    }
    const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
    expect(Math.abs(mean - 89), `test accuracy per seed: ${accuracies.map((a) => a.toFixed(2)).join(", ")}`).toBeLessThanOrEqual(1.5);
  });
});
