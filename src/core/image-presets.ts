import type { z } from "zod";
import { sparsityToDensity } from "./kinds/common.js";
import type { presetSchema } from "./views-schema.js";

/**
 * The paper's real-data presets (§5.2, Figures 3a and 3b; Appendix B, Figure 4; Appendix A, Table 1),
 * each stating its reading (docs/decisions/013-image-kind.md; the CIFAR networks train on the torch
 * backend, docs/decisions/014-torch-backend.md). Random pruning and IMP share one sweep: its `pruning` axis
 * holds whole pruning objects, so one aggregate compares them per density.
 */

/** Densities 0.8^k, k = 0…n: IMP at rate 0.2 visits exactly these (up to rounding of counts). */
export function impDensities(levels: number): number[] {
  return Array.from({ length: levels + 1 }, (_, k) => sparsityToDensity(1 - 0.8 ** k));
}

/** One sweep axis holding both methods: an IMP trajectory of `levels` levels and uniform random masks at the densities it visits. */
const methodsGrid = (levels: number) => ({
  pruning: [{ method: "imp", levels }, ...impDensities(levels).map((density) => ({ method: "random", density }))],
});

const FIG3A_READING =
  "Figure 3a: the MLP 784-1024-1024-10 (ReLU) on MNIST. Appendix A's Table 1 labels its MNIST row 'LENET', but Figure 3a and §5.2 " +
  "train this fully connected network, so the row is read as the MLP's: 120 epochs, batch 128, SGD with learning rate 0.1, no momentum, " +
  "no weight decay, no learning-rate drops, no augmentation. Kaiming-normal weights, biases 0, pixels normalised by MNIST's mean and std. " +
  "'Randomly pruned' is read as a uniform random mask: every prunable layer (the two hidden layers' weights; never the output layer or " +
  "biases) keeps exactly round(density · size) weights. IMP: global magnitude pruning of 20% of the remaining weights per level, " +
  "rewinding to initialization (the lottery-ticket procedure, rewindStep 0), 20 levels; the sweep's random densities are IMP's, " +
  "1 − 0.8^k for k = 0…20, so the paper's 79% threshold (density 0.2097152) is IMP level 7.";

const CIFAR_READING =
  "Table 1's CIFAR-10 rows as written: 160 epochs, batch 128, SGD with momentum 0.9, learning rate 0.1 multiplied by 0.1 at epochs 80 " +
  "and 120, weight decay 1e-4; training images augmented by a random crop (padding 4) and a horizontal flip, every image normalised per " +
  "channel. Kaiming-normal weights; batch-norm parameters, biases and the output layer are never pruned. 'Random pruning' is read as a " +
  "uniform random mask (every prunable layer keeps exactly round(density · size) weights). IMP: global magnitude pruning of 20% of the " +
  "remaining weights per level, rewinding to initialization (rewindStep 0), 20 levels; the random densities are IMP's, 1 − 0.8^k for k = 0…20.";

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
      grid: methodsGrid(20),
      repeats: 3,
    },
  },
  "paper-fig3b": {
    name: "paper-fig3b",
    kind: "sweep",
    title: "Figure 3b: CIFAR-10 VGG-16, random pruning and IMP, accuracy against sparsity",
    reading:
      `Figure 3b: VGG-16 with batch norm, CIFAR variant (13 convolutions, one 10-way linear layer), on CIFAR-10. ${CIFAR_READING} ` +
      "The paper's 36% threshold (density 0.64) is IMP level 2. 3 repeats (seeds 0–2), as the caption says. One epoch is ~94 TFLOP: " +
      "a GPU job (docs/runner.md, GPUs).",
    claim: "Test accuracy of the randomly pruned VGG-16 stays at the dense network's up to about 36% sparsity and then falls; training accuracy falls later than test accuracy.",
    spec: {
      base: { kind: "image", model: { arch: "vgg16" }, data: { dataset: "cifar10" } },
      grid: methodsGrid(20),
      repeats: 3,
    },
  },
  "paper-fig4": {
    name: "paper-fig4",
    kind: "sweep",
    title: "Figure 4: CIFAR-10 ResNet-20-128, random pruning and IMP, accuracy against sparsity",
    reading:
      `Figure 4 (Appendix B): ResNet-20 with stage widths 128/256/512 on CIFAR-10. ${CIFAR_READING} ` +
      "2 repeats (seeds 0–1), as the caption says. One epoch is ~776 TFLOP: a GPU job (docs/runner.md, GPUs).",
    claim: "Test accuracy of the randomly pruned ResNet-20-128 stays at the dense network's up to a threshold sparsity while training accuracy stays perfect.",
    spec: {
      base: { kind: "image", model: { arch: "resnet20-128" }, data: { dataset: "cifar10" } },
      grid: methodsGrid(20),
      repeats: 2,
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
      grid: methodsGrid(12),
      repeats: 3,
    },
  },
};
