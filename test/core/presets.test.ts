import { describe, expect, it } from "vitest";
import {
  PRESETS,
  estimateCost,
  expandSweep,
  identifyPreset,
  parseRunSpec,
  parseSyntheticSpec,
  parseSweepSpec,
  sparsityToDensity,
  theoryScales,
  IMAGE_LIMITS,
  IMAGE_PRESETS,
  imageCost,
  impDensities,
  mapAxes,
  type ImageRunSpec,
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
    if (preset.kind === "run") parseRunSpec(preset.spec);
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

  it("keeps every preset sweep within what a default server queues at once", () => {
    for (const preset of Object.values(PRESETS).filter((p) => p.kind === "sweep")) {
      expect(expandSweep(parseSweepSpec(preset.spec)).length, preset.name).toBeLessThanOrEqual(parseApiConfig({}).QUEUED_CAP);
    }
  });

  it("keeps every synthetic preset run small enough to train at the edge", () => {
    const synthetic = Object.values(PRESETS).filter((preset) => !IMAGE_PRESETS[preset.name]);
    expect(synthetic.length).toBe(Object.keys(PRESETS).length - Object.keys(IMAGE_PRESETS).length);
    for (const preset of synthetic) {
      const specs = preset.kind === "run" ? [parseSyntheticSpec(preset.spec)] : expandSweep(parseSweepSpec(preset.spec)).map((m) => m.spec as SyntheticRunSpec);
      for (const spec of specs) expect(estimateCost(spec).totalMacs).toBeLessThan(parseApiConfig({}).EDGE_MAX_MACS);
    }
  });
});

describe("regime map presets", () => {
  it.each(["regime-binary", "regime-multiclass"])("%s is a density × noise sweep with a dense column, drawn as a map with the mild-pruning scale inside it", (name) => {
    const sweep = sweepOf(name);
    const axes = mapAxes(sweep)!;
    expect([axes.x.key, axes.y.key]).toEqual(["pruning.density", "data.noiseStd"]);
    expect(sweep.grid["pruning.density"]).toContain(1);
    expect(sweep.repeats).toBeGreaterThanOrEqual(10);
    const densities = sweep.grid["pruning.density"] as number[];
    const mild = theoryScales(sweep.base).mildDensityScale;
    expect(Math.min(...densities)).toBeLessThan(mild);
    // the sparsest column leaves a class, on average, about one filter that sees its signal or fewer
    expect(Math.min(...densities) * sweep.base.model.width).toBeLessThanOrEqual(1);
  });

  it("states the activation power and initial scale regime-binary uses, on §5.1's data", () => {
    const { base } = sweepOf("regime-binary");
    expect(base.data).toMatchObject({ classes: 2, signal: "antipodal", signalPatch: "first", patchDim: 400, trainSize: 100 });
    expect(base.model.width).toBe(150);
    const reading = PRESETS["regime-binary"]!.reading;
    expect(reading).toContain(`q = ${base.model.q}`);
    expect(reading).toContain(`σ0 = ${base.model.initStd}`);
    expect(reading).toContain(`η = ${base.training.learningRate}`);
  });
});

describe("image presets", () => {
  const members = (name: string) => expandSweep(parseSweepSpec(PRESETS[name]!.spec)).map((m) => m.spec as ImageRunSpec);

  it("paper-fig3a is Table 1 as written: the MLP on all of MNIST, random uniform and 20 IMP levels at densities 0.8^k, 3 repeats", () => {
    const specs = members("paper-fig3a");
    expect(specs).toHaveLength(22 * 3);
    for (const spec of specs) {
      expect(spec).toMatchObject({ kind: "image", data: { dataset: "mnist", trainSize: 60000 }, model: { arch: "mlp-1024-1024" } });
      expect(spec.training).toEqual({ epochs: 120, batchSize: 128, learningRate: 0.1, momentum: 0, weightDecay: 0, milestones: [], gamma: 0.1, augment: false });
    }
    const random = specs.filter((spec) => spec.pruning.method === "random").map((spec) => spec.pruning as { density: number; distribution: string });
    expect(random.every((pruning) => pruning.distribution === "uniform")).toBe(true);
    expect([...new Set(random.map((pruning) => pruning.density))]).toEqual(impDensities(20));
    // the paper's 79% threshold is IMP level 7: density 0.8^7
    expect(impDensities(20)[7]).toBe(0.2097152);
    expect(specs.filter((spec) => spec.pruning.method === "imp").map((spec) => spec.pruning)).toEqual(Array(3).fill({ method: "imp", rate: 0.2, levels: 20, rewindStep: 0 }));
  });

  it.each([
    ["paper-fig3b", "vgg16", 3],
    ["paper-fig4", "resnet20-128", 2],
  ] as const)("%s is Table 1's CIFAR-10 row as written: %s, random uniform and 20 IMP levels at densities 0.8^k, %i repeats", (name, arch, repeats) => {
    const specs = members(name);
    expect(specs).toHaveLength(22 * repeats);
    for (const spec of specs) {
      expect(spec).toMatchObject({ kind: "image", data: { dataset: "cifar10", trainSize: 50000 }, model: { arch } });
      expect(spec.training).toEqual({ epochs: 160, batchSize: 128, learningRate: 0.1, momentum: 0.9, weightDecay: 1e-4, milestones: [80, 120], gamma: 0.1, augment: true });
    }
    expect([...new Set(specs.map((spec) => spec.seed))].sort()).toEqual(Array.from({ length: repeats }, (_, i) => i));
    const random = specs.filter((spec) => spec.pruning.method === "random").map((spec) => spec.pruning as { density: number; distribution: string });
    expect(random.every((pruning) => pruning.distribution === "uniform")).toBe(true);
    expect([...new Set(random.map((pruning) => pruning.density))]).toEqual(impDensities(20));
    expect(specs.filter((spec) => spec.pruning.method === "imp").map((spec) => spec.pruning)).toEqual(Array(repeats).fill({ method: "imp", rate: 0.2, levels: 20, rewindStep: 0 }));
    // every job is within the image kind's bounds (Figure 4's IMP trajectory is the largest accepted)
    for (const spec of specs) expect(imageCost(spec).totalMacs).toBeLessThanOrEqual(IMAGE_LIMITS.maxRunMacs);
    expect(PRESETS[name]!.reading).toMatch(/160 epochs.*momentum 0\.9.*80 and 120.*1e-4/s);
  });

  it("paper-fig3b's threshold of 36% sparsity is IMP level 2", () => {
    expect(impDensities(20)[2]).toBe(0.64);
    expect(PRESETS["paper-fig3b"]!.reading).toMatch(/36% threshold \(density 0\.64\) is IMP level 2/);
  });

  it("paper-fig3a-quick is a subset of the same experiment, costed well below paper-fig3a", () => {
    const quick = members("paper-fig3a-quick");
    const full = members("paper-fig3a");
    const cost = (specs: ImageRunSpec[]) => specs.reduce((total, spec) => total + imageCost(spec).totalMacs, 0);
    expect(cost(quick)).toBeLessThan(cost(full) / 50);
    for (const spec of quick) expect(spec.model.arch).toBe("mlp-1024-1024");
    const densities = new Set(quick.flatMap((spec) => (spec.pruning.method === "random" ? [spec.pruning.density] : [])));
    const imp = quick.find((spec) => spec.pruning.method === "imp")!.pruning as { levels: number };
    // random masks at exactly the densities IMP visits
    expect([...densities]).toEqual(impDensities(imp.levels));
  });
});
