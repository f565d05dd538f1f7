import { z } from "zod";
import { SPEC_VERSION, count, finite, positive, sparsityToDensity } from "./common.js";
import type { ExperimentKind, KindCost } from "./kind.js";

/**
 * The `image` kind: real data sets and networks (the paper's §5.2, Figure 3 and Appendix B),
 * pruned at initialization at random or by iterative magnitude pruning (IMP), trained by SGD on a
 * companion runner (docs/decisions/013-image-kind.md). Its defaults depend on the architecture
 * (Appendix A, Table 1).
 */

/** Data sets: sizes of the standard splits, image shape, classes. */
export const IMAGE_DATASETS = {
  mnist: { title: "MNIST handwritten digits", trainSize: 60_000, testSize: 10_000, shape: [28, 28, 1], classes: 10 },
  cifar10: { title: "CIFAR-10", trainSize: 50_000, testSize: 10_000, shape: [32, 32, 3], classes: 10 },
} as const;
export type ImageDataset = keyof typeof IMAGE_DATASETS;
const datasetNames = Object.keys(IMAGE_DATASETS) as [ImageDataset, ...ImageDataset[]];

/** The training settings an architecture defaults to (Appendix A, Table 1). */
export interface ImageTrainingDefaults {
  epochs: number;
  batchSize: number;
  learningRate: number;
  momentum: number;
  weightDecay: number;
  milestones: number[];
  gamma: number;
  augment: boolean;
}

const MLP_TRAINING: ImageTrainingDefaults = { epochs: 120, batchSize: 128, learningRate: 0.1, momentum: 0, weightDecay: 0, milestones: [], gamma: 0.1, augment: false };
const CIFAR_TRAINING: ImageTrainingDefaults = { epochs: 160, batchSize: 128, learningRate: 0.1, momentum: 0.9, weightDecay: 1e-4, milestones: [80, 120], gamma: 0.1, augment: true };

/**
 * Architectures, each with the one data set it is defined for, its Table 1 defaults, its size
 * (prunable weights are every weight matrix and kernel except the output layer's) and the
 * multiply-adds of one forward pass of one image and the floats it keeps for the backward pass
 * (approximate for the CNNs), for the cost model. `trainable` is whether a
 * trainer in this project trains it; a spec naming one that is not is refused at submit.
 */
export const IMAGE_ARCHS = {
  "mlp-1024-1024": {
    title: "MLP 784-1024-1024-10, ReLU (Figure 3a)",
    dataset: "mnist",
    training: MLP_TRAINING,
    parameters: 784 * 1024 + 1024 + 1024 * 1024 + 1024 + 1024 * 10 + 10,
    forwardMacs: 784 * 1024 + 1024 * 1024 + 1024 * 10,
    activations: 784 + 1024 + 1024 + 10,
    trainable: true,
  },
  vgg16: { title: "VGG-16 with batch norm, CIFAR variant (Figure 3b)", dataset: "cifar10", training: CIFAR_TRAINING, parameters: 14_728_266, forwardMacs: 313_478_144, activations: 830_000, trainable: true },
  resnet20: { title: "ResNet-20, widths 16/32/64", dataset: "cifar10", training: CIFAR_TRAINING, parameters: 272_474, forwardMacs: 40_813_184, activations: 560_000, trainable: true },
  "resnet20-128": { title: "ResNet-20, widths 128/256/512 (Figure 4)", dataset: "cifar10", training: CIFAR_TRAINING, parameters: 17_289_866, forwardMacs: 2_585_460_736, activations: 4_500_000, trainable: true },
} as const satisfies Record<string, { title: string; dataset: ImageDataset; training: ImageTrainingDefaults; parameters: number; forwardMacs: number; activations: number; trainable: boolean }>;
export type ImageArch = keyof typeof IMAGE_ARCHS;
const archNames = Object.keys(IMAGE_ARCHS) as [ImageArch, ...ImageArch[]];
export const DEFAULT_IMAGE_ARCH: ImageArch = "mlp-1024-1024";

/**
 * Bounds of the image kind (its own: one paper-scale IMP job is ~10¹⁸ multiply-adds). Levels and
 * epochs bound a result to (30 + 1) × (500 + 1) curve points.
 */
export const IMAGE_LIMITS = {
  maxEpochs: 500,
  maxBatchSize: 4096,
  maxLearningRate: 10,
  maxMilestones: 16,
  maxLevels: 30,
  maxRewindStep: 1_000_000,
  /** Largest job accepted: Figure 4's IMP trajectory (ResNet-20-128, 21 levels × 160 epochs) is ~1.8·10¹⁸. */
  maxRunMacs: 1e19,
} as const;

/** Pruning methods of the image kind; pruning happens at initialization, and never touches the output layer, biases or batch norm. */
export const IMAGE_PRUNING_METHODS = {
  random: { title: "A random mask at initialization: `uniform` keeps round(density·size) weights of each prunable layer; `erk` spreads the same total by Erdős–Rényi-Kernel" },
  imp: { title: "Iterative magnitude pruning: train, remove `rate` of the remaining weights by global magnitude, rewind to `rewindStep`, repeat `levels` times" },
} as const;
export const RANDOM_DISTRIBUTIONS = ["uniform", "erk"] as const;

const randomPruningSchema = z
  .strictObject({
    method: z.literal("random"),
    density: finite(0, 1).optional(),
    sparsity: finite(0, 1).optional(),
    distribution: z.enum(RANDOM_DISTRIBUTIONS).default("uniform"),
  })
  .superRefine((value, ctx) => {
    if (value.density !== undefined && value.sparsity !== undefined) {
      ctx.addIssue({ code: "custom", path: ["sparsity"], message: "give density or sparsity, not both" });
    }
  })
  .transform(({ method, density, sparsity, distribution }) => ({
    method,
    density: density ?? (sparsity === undefined ? 1 : sparsityToDensity(sparsity)),
    distribution,
  }));

const impPruningSchema = z.strictObject({
  method: z.literal("imp"),
  rate: z.number().gt(0).lt(1).default(0.2),
  levels: count(1, IMAGE_LIMITS.maxLevels).default(7),
  rewindStep: count(0, IMAGE_LIMITS.maxRewindStep).default(0),
});

const pruningSchema = z.discriminatedUnion("method", [randomPruningSchema, impPruningSchema], {
  error: (issue) => (issue.code === "invalid_union" ? `unknown pruning method; one of ${Object.keys(IMAGE_PRUNING_METHODS).join(", ")}` : undefined),
});

const dataSchema = z.strictObject({
  dataset: z.enum(datasetNames),
  // bounded by the data set's own size in the spec's refinement, with a message naming it
  trainSize: count(1, 1_000_000),
});

const modelSchema = z.strictObject({ arch: z.enum(archNames) });

const trainingSchema = z.strictObject({
  epochs: count(1, IMAGE_LIMITS.maxEpochs),
  batchSize: count(1, IMAGE_LIMITS.maxBatchSize),
  learningRate: positive(IMAGE_LIMITS.maxLearningRate),
  momentum: z.number().min(0).lt(1),
  weightDecay: finite(0, 1),
  milestones: z.array(count(1, IMAGE_LIMITS.maxEpochs)).max(IMAGE_LIMITS.maxMilestones),
  gamma: z.number().gt(0).max(1),
  augment: z.boolean(),
});

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Fills the defaults that depend on the architecture before the strict schema checks the input:
 * the data set and its full training split, Table 1's training settings, and the pruning method
 * (`random` when absent). Fields the input gives are kept as given, so wrong types still get their
 * error at their own path.
 */
export function prepareImageInput(input: unknown): unknown {
  if (!isObject(input)) return input;
  const { model } = input;
  // a model that is not an object gets its error at /model; the defaults are the default arch's meanwhile
  // an unknown arch gets its one error at /model/arch; the other fields take the default arch's defaults meanwhile
  const archName = isObject(model) && typeof model.arch === "string" && model.arch in IMAGE_ARCHS ? (model.arch as ImageArch) : DEFAULT_IMAGE_ARCH;
  const arch = IMAGE_ARCHS[archName];
  const given = isObject(input.data) ? input.data.dataset : undefined;
  const dataset = typeof given === "string" && given in IMAGE_DATASETS ? IMAGE_DATASETS[given as ImageDataset] : IMAGE_DATASETS[arch.dataset];
  const section = (value: unknown, defaults: Record<string, unknown>) => (value === undefined ? { ...defaults } : isObject(value) ? { ...defaults, ...value } : value);
  return {
    version: SPEC_VERSION,
    kind: "image",
    seed: 0,
    ...input,
    model: section(model, { arch: DEFAULT_IMAGE_ARCH }),
    data: section(input.data, { dataset: arch.dataset, trainSize: dataset.trainSize }),
    pruning: section(input.pruning, { method: "random" }),
    training: section(input.training, { ...arch.training, milestones: [...arch.training.milestones] }),
  };
}

export const imageSpecObjectSchema = z
  .strictObject({
    version: z.literal(SPEC_VERSION),
    kind: z.literal("image"),
    seed: count(0, 2 ** 31 - 1),
    data: dataSchema,
    model: modelSchema,
    pruning: pruningSchema,
    training: trainingSchema,
  })
  .superRefine((spec, ctx) => {
    const arch = IMAGE_ARCHS[spec.model.arch];
    const dataset = IMAGE_DATASETS[spec.data.dataset];
    if (arch.dataset !== spec.data.dataset) {
      ctx.addIssue({ code: "custom", path: ["data", "dataset"], message: `${spec.model.arch} is defined for ${arch.dataset}, not ${spec.data.dataset}` });
    }
    if (!arch.trainable) {
      ctx.addIssue({ code: "custom", path: ["model", "arch"], message: `no prunelab trainer trains ${spec.model.arch} yet; trainable: ${archNames.filter((name) => IMAGE_ARCHS[name].trainable).join(", ")}` });
    }
    if (spec.data.trainSize > dataset.trainSize) {
      ctx.addIssue({ code: "custom", path: ["data", "trainSize"], message: `${spec.data.dataset} has ${dataset.trainSize} training images` });
    }
    if (spec.training.augment && spec.data.dataset === "mnist") {
      ctx.addIssue({ code: "custom", path: ["training", "augment"], message: "augmentation (random crop and flip) applies to CIFAR-10 only" });
    }
    spec.training.milestones.forEach((milestone, index) => {
      if (index > 0 && milestone <= spec.training.milestones[index - 1]!) {
        ctx.addIssue({ code: "custom", path: ["training", "milestones", index], message: "milestones are strictly increasing epochs" });
      } else if (milestone > spec.training.epochs) {
        ctx.addIssue({ code: "custom", path: ["training", "milestones", index], message: `a milestone is an epoch from 1 to epochs (${spec.training.epochs})` });
      }
    });
    if (spec.pruning.method === "imp") {
      const steps = Math.ceil(spec.data.trainSize / spec.training.batchSize) * spec.training.epochs;
      if (spec.pruning.rewindStep > steps) {
        ctx.addIssue({ code: "custom", path: ["pruning", "rewindStep"], message: `level 0 trains ${steps} optimizer steps; rewindStep is at most that` });
      }
    }
    const cost = imageCost(spec);
    if (cost.totalMacs > IMAGE_LIMITS.maxRunMacs) {
      ctx.addIssue({ code: "custom", path: [], message: `the run needs ${cost.totalMacs.toExponential(2)} multiply-adds; the largest accepted image job is ${IMAGE_LIMITS.maxRunMacs.toExponential(0)}` });
    }
  });

/** The image kind's run-spec schema, defaults by architecture included. */
export const imageRunSpecSchema = z.preprocess(prepareImageInput, imageSpecObjectSchema);

export type ImageRunSpec = z.output<typeof imageSpecObjectSchema>;
export type ImageRunSpecInput = z.input<typeof imageSpecObjectSchema>;
export type ImagePruning = ImageRunSpec["pruning"];

/** Networks trained by one job: 1 for a random mask, levels + 1 for an IMP trajectory (level 0 is dense). */
export function imageTrainings(spec: ImageRunSpec): number {
  return spec.pruning.method === "imp" ? spec.pruning.levels + 1 : 1;
}

/**
 * Cost of an image job: per network, every epoch trains on the subset (forward and backward, ~3×
 * a forward pass) and evaluates the subset and the test set (a forward pass each), plus the
 * evaluation before training. Tensors: weights, gradients, momentum and mask, one batch's
 * activations (three copies: values, gradients, pre-activations), and the data in floats.
 */
export function imageCost(spec: ImageRunSpec): KindCost & { curvePoints: number; trainings: number } {
  const arch = IMAGE_ARCHS[spec.model.arch];
  const dataset = IMAGE_DATASETS[spec.data.dataset];
  const trainings = imageTrainings(spec);
  const evaluation = (spec.data.trainSize + dataset.testSize) * arch.forwardMacs;
  const perEpoch = 3 * spec.data.trainSize * arch.forwardMacs + evaluation;
  const pixels = dataset.shape.reduce((a: number, b: number) => a * b, 1);
  return {
    totalMacs: trainings * (spec.training.epochs * perEpoch + evaluation),
    macsPerStep: 3 * spec.training.batchSize * arch.forwardMacs,
    memoryBytes: 4 * (4 * arch.parameters + pixels * (spec.data.trainSize + dataset.testSize) + 3 * spec.training.batchSize * arch.activations),
    curvePoints: trainings * (spec.training.epochs + 1),
    trainings,
  };
}

/** What a runner must be able to train for an image job: its architecture on its data set. */
export function imageRequirements(spec: ImageRunSpec): { arch: string; dataset: string } {
  return { arch: spec.model.arch, dataset: spec.data.dataset };
}

export const imageKind: ExperimentKind<ImageRunSpec> = {
  name: "image",
  title: "Real data sets and networks (MNIST MLP; CIFAR-10 VGG-16 and ResNets), random pruning or IMP, SGD",
  schema: imageRunSpecSchema as unknown as z.ZodType<ImageRunSpec>,
  prepare: prepareImageInput,
  // the Worker holds no data sets: image jobs train on companion runners only
  placements: ["runner"],
  cost: imageCost,
  defaultsFor: (spec) =>
    imageRunSpecSchema.parse({
      kind: "image",
      model: { arch: spec.model.arch },
      pruning: spec.pruning.method === "imp" ? { method: "imp" } : { method: "random" },
    }) as ImageRunSpec,
  selectors: [
    ["model", "arch"],
    ["pruning", "method"],
  ],
  fixedGridPaths: ["model.arch", "data.dataset"],
  extraGridPaths: ["pruning", "pruning.rate", "pruning.levels", "pruning.rewindStep"],
  requirements: imageRequirements,
};
