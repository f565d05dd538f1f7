import type { z } from "zod";
import { identifyRunSpec } from "./canonical.js";
import { parseRunSpec } from "./spec.js";
import { identifySweepSpec, parseSweepSpec } from "./sweep.js";
import { IMAGE_PRESETS } from "./image-presets.js";
import { THEORY_BASE, THEORY_READING } from "./preset-settings.js";
import { REGIME_PRESETS } from "./regime-presets.js";
import type { presetSchema } from "./views-schema.js";

/** A preset: a named spec with the reading of the paper it uses and the claim it tests. */
export type Preset = z.output<typeof presetSchema>;

/**
 * The literal reading of §5.1 is the default run spec: x = [y·e1, ξ] ∈ R^800, 100/100 samples,
 * width 150 filters per class, σ0 = 0.1 ("variance 0.01"), η = 0.001, 1000 full-batch steps, ReLU.
 */
const SECTION_5_1_READING =
  "The literal reading of §5.1, which is the default spec: x = [y·e1, ξ] ∈ R^800 (d = 400 per patch, antipodal signal μ = 1 in the first patch), " +
  "100 train and 100 test samples, width 150 filters per class, initial weights N(0, 0.1²) (the text's 'variance 0.01'), " +
  "learning rate 0.001, 1000 full-batch gradient descent steps, ReLU (q = 1). The text's 'p fraction of the weights are randomly pruned' " +
  "is read as sparsity p (density 1 − p), with one Bernoulli mask over all first-layer weights; σn is the noise's per-coordinate standard deviation.";

/** Sparsity 0 to 0.9 in steps of 0.1: the x axis of Figure 2a/2b. */
const FIGURE_2_SPARSITIES = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** Figure 2's axis extended to where 150 filters per class start losing their signal neurons. */
const EXTENDED_SPARSITIES = [...FIGURE_2_SPARSITIES, 0.95, 0.98, 0.99, 0.995];

const SMALL_INIT_READING =
  "As the literal reading, except σ0 = 0.01: the text's 'variance 0.01' read as the standard deviation handed to the initializer " +
  "(a common slip). With σ0 = 0.1 the initial filters already project the noise (‖ξ‖ ≈ σn√d = 10 at σn = 0.5) so strongly that η = 0.001 barely moves " +
  "the weights; with σ0 = 0.01 gradient descent does learn features. The sparsity axis is extended past 0.9 to 0.95, 0.98, 0.99 and 0.995, " +
  "where a class starts to lose its signal neurons (150 filters × density). 10 repeats (seeds 0–9) per point.";

/** Presets by name (docs/architecture.md, Experiment kinds): each states the reading of the paper it uses and the claim it tests. */
export const PRESETS: Record<string, Preset> = {
  "paper-5.1": {
    name: "paper-5.1",
    kind: "run",
    title: "The §5.1 simulation setting, unpruned",
    reading: SECTION_5_1_READING,
    claim: "Training error reaches zero; this is the dense reference point of Figure 2a.",
    spec: {},
  },
  "paper-fig2a": {
    name: "paper-fig2a",
    kind: "sweep",
    title: "Figure 2a: train and test error against pruning fraction, σn = 0.5",
    reading: `${SECTION_5_1_READING} Sparsity 0 to 0.9 in steps of 0.1, 10 repeats (seeds 0–9) per point.`,
    claim:
      "Pruned networks perform like the full model up to sparsity 0.5 and noticeably better at 0.3; above 0.5 the test error rises dramatically while training error stays 0.",
    spec: { base: { data: { noiseStd: 0.5 } }, grid: { "pruning.sparsity": FIGURE_2_SPARSITIES }, repeats: 10 },
  },
  "paper-fig2b": {
    name: "paper-fig2b",
    kind: "sweep",
    title: "Figure 2b: test error against pruning fraction, σn = 1",
    reading: `${SECTION_5_1_READING} σn = 1. Sparsity 0 to 0.9 in steps of 0.1, 10 repeats (seeds 0–9) per point.`,
    claim: "The full model no longer generalizes well, but mild pruning improves test error; training error stays 0 at every sparsity.",
    spec: { base: { data: { noiseStd: 1 } }, grid: { "pruning.sparsity": FIGURE_2_SPARSITIES }, repeats: 10 },
  },
  "paper-fig2a-small-init": {
    name: "paper-fig2a-small-init",
    kind: "sweep",
    title: "Figure 2a under σ0 = 0.01, sparsity to 0.995, σn = 0.5",
    reading: SMALL_INIT_READING,
    claim: "Mild pruning keeps or improves the full model's test error; past a threshold test error rises sharply while training error stays 0.",
    spec: { base: { data: { noiseStd: 0.5 }, model: { initStd: 0.01 } }, grid: { "pruning.sparsity": EXTENDED_SPARSITIES }, repeats: 10 },
  },
  "paper-fig2b-small-init": {
    name: "paper-fig2b-small-init",
    kind: "sweep",
    title: "Figure 2b under σ0 = 0.01, sparsity to 0.995, σn = 1",
    reading: `${SMALL_INIT_READING} σn = 1.`,
    claim: "The full model generalizes poorly at σn = 1 and mild pruning improves it; training error stays 0.",
    spec: { base: { data: { noiseStd: 1 }, model: { initStd: 0.01 } }, grid: { "pruning.sparsity": EXTENDED_SPARSITIES }, repeats: 10 },
  },
  "paper-fig2c": {
    name: "paper-fig2c",
    kind: "run",
    title: "Figure 2c: test error over training at 50% pruning, σn = 1",
    reading: `${SECTION_5_1_READING} σn = 1, sparsity 0.5, seed 0: one run (the paper averages 10; the sweep paper-fig2b holds the mean curve at sparsity 0.5).`,
    claim: "Test error falls during training at 50% pruning even though the input noise is large: pruning can help at high noise.",
    spec: { data: { noiseStd: 1 }, pruning: { sparsity: 0.5 } },
  },
  "theory-mild-over": {
    name: "theory-mild-over",
    kind: "sweep",
    title: "Mild and over-pruning in the theory's regime (Definition 2.1, q = 3, K = 3)",
    reading: `${THEORY_READING} Density 1 down to 0.01 (10 points), 10 repeats per point.`,
    claim:
      "Theorems 3.1 and 4.1: mild pruning lowers test error below the dense network's; over-pruning sends test error towards chance (2/3) while training error stays near 0.",
    spec: { base: THEORY_BASE, grid: { "pruning.density": [1, 0.5, 0.3, 0.2, 0.1, 0.07, 0.05, 0.03, 0.02, 0.01] }, repeats: 10 },
  },
  "theory-dense": {
    name: "theory-dense",
    kind: "run",
    title: "The theory's regime, unpruned: the network memorizes noise",
    reading: THEORY_READING,
    claim: "Without pruning, noise alignment outgrows signal alignment: training error reaches 0 with poor test error.",
    spec: THEORY_BASE,
  },
  "theory-mild": {
    name: "theory-mild",
    kind: "run",
    title: "The theory's regime at density 0.2: mild pruning learns the signal",
    reading: `${THEORY_READING} Density 0.2.`,
    claim: "Lemma 3.2/3.3: signal alignment grows for every class while noise alignment stays smaller; test error is low.",
    spec: { ...THEORY_BASE, pruning: { density: 0.2 } },
  },
  "theory-over": {
    name: "theory-over",
    kind: "run",
    title: "The theory's regime at density 0.02: over-pruning",
    reading: `${THEORY_READING} Density 0.02, seed 0.`,
    claim: "Theorem 4.1: classes left without signal neurons cannot be learned; training error still falls by memorizing noise.",
    spec: { ...THEORY_BASE, pruning: { density: 0.02 } },
  },
  ...REGIME_PRESETS,
  ...IMAGE_PRESETS,
};

/** The identity (hash, canonical form) of a preset's spec: what the API stores its result under. */
export async function identifyPreset(preset: Preset): Promise<{ hash: string; canonical: string }> {
  return preset.kind === "run" ? identifyRunSpec(parseRunSpec(preset.spec)) : identifySweepSpec(parseSweepSpec(preset.spec));
}
