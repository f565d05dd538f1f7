import type { z } from "zod";
import { sparsityToDensity } from "./kinds/common.js";
import type { presetSchema } from "./views-schema.js";

/**
 * The paper's real-data presets (§5.2, Figure 3a; Appendix A, Table 1), each stating its reading
 * (docs/decisions/013-image-kind.md). Random pruning and IMP share one sweep: its `pruning` axis
 * holds whole pruning objects, so one aggregate compares them per density.
 */

/** Densities 0.8^k, k = 0…n: IMP at rate 0.2 visits exactly these (up to rounding of counts). */
export function impDensities(levels: number): number[] {
  return Array.from({ length: levels + 1 }, (_, k) => sparsityToDensity(1 - 0.8 ** k));
}

const randomAt = (densities: number[]) => densities.map((density) => ({ method: "random", density }));

const FIG3A_READING =
  "Figure 3a: the MLP 784-1024-1024-10 (ReLU) on MNIST. Appendix A's Table 1 labels its MNIST row 'LENET', but Figure 3a and §5.2 " +
  "train this fully connected network, so the row is read as the MLP's: 120 epochs, batch 128, SGD with learning rate 0.1, no momentum, " +
  "no weight decay, no learning-rate drops, no augmentation. Kaiming-normal weights, biases 0, pixels normalised by MNIST's mean and std. " +
  "'Randomly pruned' is read as a uniform random mask: every prunable layer (the two hidden layers' weights; never the output layer or " +
  "biases) keeps exactly round(density · size) weights. IMP: global magnitude pruning of 20% of the remaining weights per level, " +
  "rewinding to initialization (the lottery-ticket procedure, rewindStep 0), 20 levels; the sweep's random densities are IMP's, " +
  "1 − 0.8^k for k = 0…20, so the paper's 79% threshold (density 0.2097152) is IMP level 7.";

export const IMAGE_PRESETS: Record<string, z.output<typeof presetSchema>> = {
  "paper-fig3a": {
    name: "paper-fig3a",
    kind: "sweep",
    title: "Figure 3a: MNIST MLP-1024-1024, random pruning and IMP, accuracy against sparsity",
    reading: `${FIG3A_READING} 3 repeats (seeds 0–2), as the caption says. One IMP job is ~1.2·10¹⁵ multiply-adds (days of one CPU core).`,
    claim:
      "Test accuracy of the randomly pruned MLP stays at the dense network's up to about 79% sparsity and then falls; training accuracy falls later than test accuracy.",
    spec: {
      base: { kind: "image" },
      grid: { pruning: [{ method: "imp", levels: 20 }, ...randomAt(impDensities(20))] },
      repeats: 3,
    },
  },
  "paper-fig3a-quick": {
    name: "paper-fig3a-quick",
    kind: "sweep",
    title: "Figure 3a, quick: the first 10,000 MNIST images, 10 epochs, random pruning and IMP to 93% sparsity",
    reading:
      `${FIG3A_READING} Quick reading, sized to finish in under an hour on a 2-core machine: the first 10,000 training images (the test ` +
      "set is the full 10,000), 10 epochs per network, IMP to level 12 (density 0.0687) and random masks at the same densities, 3 repeats " +
      "(seeds 0–2). Fewer examples and epochs make every network less accurate than the paper's; the comparison across sparsities is what it shows.",
    claim:
      "Test accuracy stays at the dense network's up to about 79% sparsity and then falls; training accuracy falls later than test accuracy.",
    spec: {
      base: { kind: "image", data: { trainSize: 10000 }, training: { epochs: 10 } },
      grid: { pruning: [{ method: "imp", levels: 12 }, ...randomAt(impDensities(12))] },
      repeats: 3,
    },
  },
};
