import { describe, expect, it } from "vitest";
import {
  PRESETS,
  estimateCost,
  expandSweep,
  identifyPreset,
  parseSyntheticSpec,
  parseSweepSpec,
  sparsityToDensity,
  theoryScales,
  type SweepSpec,
  type SyntheticRunSpec,
} from "../../src/core/index.js";
import { parseApiConfig } from "../../src/http/config.js";
import { GOLDEN_PRESET_HASHES } from "../fixtures/golden.js";

const FIGURE_2_SPARSITIES = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
/** A synthetic preset sweep, its base typed as such. */
const sweepOf = (name: string) => parseSweepSpec(PRESETS[name]!.spec) as SweepSpec & { base: SyntheticRunSpec };

describe("presets", () => {
  it.each(Object.values(PRESETS))("$name is a valid $kind spec whose hash is golden", async (preset) => {
    expect(preset.name).toBe(Object.keys(PRESETS).find((key) => PRESETS[key] === preset));
    expect(preset.reading.length).toBeGreaterThan(40);
    expect(preset.claim.length).toBeGreaterThan(20);
    if (preset.kind === "run") parseSyntheticSpec(preset.spec);
    else expect(expandSweep(parseSweepSpec(preset.spec)).length).toBeGreaterThan(1);
    expect((await identifyPreset(preset)).hash).toBe(GOLDEN_PRESET_HASHES[preset.name]);
  });

  it("pins every preset: a new or removed preset needs a golden hash", () => {
    expect(Object.keys(PRESETS).sort()).toEqual(Object.keys(GOLDEN_PRESET_HASHES).sort());
  });

  it("sweeps Figure 2a and 2b over pruning fraction 0 to 0.9 with 10 repeats at σn = 0.5 and 1", () => {
    for (const [name, noiseStd] of [["paper-fig2a", 0.5], ["paper-fig2b", 1]] as const) {
      const sweep = sweepOf(name);
      expect(sweep.repeats).toBe(10);
      expect(sweep.base.data.noiseStd).toBe(noiseStd);
      expect(sweep.grid["pruning.density"]).toEqual(FIGURE_2_SPARSITIES.map(sparsityToDensity));
      expect(expandSweep(sweep)).toHaveLength(100);
    }
    const fig2c = parseSyntheticSpec(PRESETS["paper-fig2c"]!.spec);
    expect(fig2c.pruning.density).toBe(0.5);
    expect(fig2c.data.noiseStd).toBe(1);
  });

  it("spans the theory's mild and over-pruning scales in its own regime", () => {
    const sweep = sweepOf("theory-mild-over");
    expect(sweep.base).toMatchObject({ data: { signal: "basis", classes: 3 }, model: { q: 3 } });
    const scales = theoryScales(sweep.base);
    const densities = sweep.grid["pruning.density"] as number[];
    expect(Math.max(...densities)).toBe(1);
    expect(densities.some((d) => d < scales.mildDensityScale && d > 10 * scales.overPruningDensityScale!)).toBe(true);
    // the sparsest point leaves each class, on average, less than one filter that sees its signal
    expect(Math.min(...densities) * sweep.base.model.width).toBeLessThan(1);
  });

  it("keeps every preset run small enough to train at the edge", () => {
    for (const preset of Object.values(PRESETS)) {
      const specs = preset.kind === "run" ? [parseSyntheticSpec(preset.spec)] : expandSweep(parseSweepSpec(preset.spec)).map((m) => m.spec as SyntheticRunSpec);
      for (const spec of specs) expect(estimateCost(spec).totalMacs).toBeLessThan(parseApiConfig({}).EDGE_MAX_MACS);
    }
  });
});
