import type { z } from "zod";
import { THEORY_BASE } from "./preset-settings.js";
import type { presetSchema } from "./views-schema.js";

type Preset = z.output<typeof presetSchema>;

/**
 * Regime maps (docs/decisions/015-paired-comparisons-and-regime-maps.md): sweeps over density (or
 * sparsity) × noise level, drawn as heatmaps with paired comparisons against the dense network.
 * Each is sized by measurement to finish in about half an hour on 2 cores, and states its reading.
 */

/** Density 1 to 0.01: from the dense network through the mild-pruning scale to below one signal neuron per class. */
const MULTICLASS_DENSITIES = [1, 0.5, 0.3, 0.2, 0.1, 0.07, 0.05, 0.03, 0.02, 0.01];
/** Noise σn from where the dense network generalizes (σn√d = 1) to where nothing does (σn√d = 6), densest around its failure. */
const MULTICLASS_NOISE = [0.05, 0.1, 0.125, 0.15, 0.175, 0.2, 0.25, 0.3];

export const REGIME_PRESETS: Record<string, Preset> = {
  "regime-multiclass": {
    name: "regime-multiclass",
    kind: "sweep",
    title: "Regime map, Definition 2.1: density × noise level (K = 3, q = 3)",
    reading:
      "Definition 2.1 as in theory-mild-over: K = 3 classes, basis signals μ_k = e_k (μ = 1) in a random patch, d = 400, n = 60 train and " +
      "300 test samples, m = 20 filters per class, cubic activation (q = 3), σ0 = 0.1, η = 1, 2000 full-batch steps. The noise level σn " +
      "runs from 0.05 (σn√d = 1, the signal's size) to 0.3 (σn√d = 6), densest around 0.15 where the dense network starts to memorize noise; " +
      "density runs from 1 to 0.01 (10 points, log-spaced), so the map crosses the mild-pruning scale log d / m ≈ 0.3 and reaches below " +
      "one signal neuron per class (density · m < 1). The over-pruning scale 1/(K m log d) ≈ 0.0028 lies below the grid. 16 repeats " +
      "(seeds 0–15) per point; the σn = 0.15 column shares its first 10 seeds with theory-mild-over.",
    claim:
      "Theorems 3.1 and 4.1 across noise levels: where the dense network fails (large σn), mild pruning lowers test error; at any noise " +
      "level, pruning past about one signal neuron per class sends test error to chance; training error stays near 0 throughout.",
    spec: { base: THEORY_BASE, grid: { "pruning.density": MULTICLASS_DENSITIES, "data.noiseStd": MULTICLASS_NOISE }, repeats: 16 },
  },
};
