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

/** Density 1 to 0.005 (sparsity 0 to 0.995): Figure 2's axis thinned, extended to where 150 filters per class lose their signal neurons. */
const BINARY_DENSITIES = [1, 0.7, 0.5, 0.3, 0.1, 0.05, 0.02, 0.01, 0.005];
/** Noise σn from a quarter of §5.1's lower level to one and a half times its upper one. */
const BINARY_NOISE = [0.25, 0.5, 0.75, 1, 1.5];

export const REGIME_PRESETS: Record<string, Preset> = {
  "regime-binary": {
    name: "regime-binary",
    kind: "sweep",
    title: "Regime map, §5.1 data: sparsity × noise level (ReLU, σ0 = 0.01)",
    reading:
      "The §5.1 data and network as in paper-fig2a: x = [y·e1, ξ] ∈ R^800 (d = 400, antipodal signal μ = 1 in the first patch), " +
      "100 training samples, width 150 filters per class, 1000 full-batch steps, with activation power q = 1 (ReLU, as §5.1 reads) and " +
      "σ0 = 0.01 (the small-init reading of 'variance 0.01': with σ0 = 0.1 the weights barely move and the map shows only the lazy regime), " +
      "η = 0.001 as written. 500 test samples (not 100) and an evaluation every 50 steps, so a cell's mean is not dominated by the test " +
      "draw. Density 1 to 0.005 (9 points, log-spaced), reaching below one signal neuron per class (150 × 0.005 = 0.75); noise σn " +
      "0.25 to 1.5 (§5.1 uses 0.5 and 1). The theory's scales: mild-pruning density log d / m ≈ 0.04, over-pruning 1/(K m log d) ≈ " +
      "5.6e-4 (below the grid), Condition 2.2 ratio μ/(σn √d log d) 0.0056–0.033. 16 repeats (seeds 0–15) per point.",
    claim:
      "Figure 2a/2b across noise levels: mild pruning keeps or lowers the dense network's test error, more so at high noise; past a " +
      "threshold test error rises above the dense network's while training error stays ≈ 0.",
    spec: {
      base: { data: { testSize: 500 }, model: { initStd: 0.01 }, training: { evalEvery: 50 } },
      grid: { "pruning.density": BINARY_DENSITIES, "data.noiseStd": BINARY_NOISE },
      repeats: 16,
    },
  },
  "regime-multiclass": {
    name: "regime-multiclass",
    kind: "sweep",
    title: "Regime map, Definition 2.1: density × noise level (K = 3, q = 3)",
    reading:
      "Definition 2.1 as in theory-mild-over: K = 3 classes, basis signals μ_k = e_k (μ = 1) in a random patch, d = 400, n = 60 train and " +
      "300 test samples, m = 20 filters per class, cubic activation (q = 3), σ0 = 0.1, η = 1, 2000 full-batch steps. The noise level σn " +
      "runs from 0.05 (σn√d = 1, the signal's size) to 0.3 (σn√d = 6), densest around 0.15 where the dense network starts to memorize noise; " +
      "density runs from 1 to 0.01 (10 points, log-spaced), so the map crosses the mild-pruning scale log d / m ≈ 0.3 and reaches below " +
      "one signal neuron per class (density · m < 1). The over-pruning scale 1/(K m log d) ≈ 0.0028 lies below the grid. 12 repeats " +
      "(seeds 0–11) per point, 960 runs (a server queues at most 1000 by default); the σn = 0.15 column shares its first 10 seeds with theory-mild-over.",
    claim:
      "Theorems 3.1 and 4.1 across noise levels: where the dense network fails (large σn), mild pruning lowers test error; at any noise " +
      "level, pruning past about one signal neuron per class sends test error to chance; training error stays near 0 throughout.",
    spec: { base: THEORY_BASE, grid: { "pruning.density": MULTICLASS_DENSITIES, "data.noiseStd": MULTICLASS_NOISE }, repeats: 12 },
  },
};
