import { describe, expect, it } from "vitest";
import {
  AppError,
  aggregateSweep,
  expandSweep,
  identifyRunSpec,
  identifySweepSpec,
  parseSweepSpec,
  summarize,
  type SyntheticRunResult as RunResult,
  type SyntheticRunSpec,
  type SweepMember,
} from "../../src/core/index.js";

/** These sweeps are synthetic: their members' specs are. */
const synthetic = (members: SweepMember[]) => members.map((m) => ({ ...m, spec: m.spec as SyntheticRunSpec }));

const hashOf = async (input: unknown) => (await identifySweepSpec(parseSweepSpec(input))).hash;

function errorsOf(input: unknown) {
  try {
    parseSweepSpec(input);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).errors!.map((e) => e.path);
  }
  throw new Error("expected the sweep to be rejected");
}

describe("sweep specs", () => {
  const fig2 = { base: { data: { noiseStd: 1 } }, grid: { "pruning.sparsity": [0, 0.3, 0.5, 0.9] }, repeats: 3 };

  it("expands grid × repeats in grid order with seeds base.seed + r", async () => {
    const sweep = parseSweepSpec({ ...fig2, base: { ...fig2.base, seed: 10 } });
    const members = synthetic(expandSweep(sweep));
    expect(members).toHaveLength(12);
    expect(members.map((m) => m.spec.pruning.density)).toEqual([1, 1, 1, 0.7, 0.7, 0.7, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1]);
    expect(members.map((m) => m.spec.seed)).toEqual([10, 11, 12, 10, 11, 12, 10, 11, 12, 10, 11, 12]);
    expect(members.every((m) => m.spec.data.noiseStd === 1)).toBe(true);
    const hashes = await Promise.all(members.map((m) => identifyRunSpec(m.spec)));
    expect(new Set(hashes.map((h) => h.hash)).size).toBe(12);
  });

  it("takes the cartesian product of several keys, last key fastest", () => {
    const members = synthetic(expandSweep(parseSweepSpec({ grid: { "pruning.density": [1, 0.5], "data.noiseStd": [0.5, 1, 2] } })));
    expect(members.map((m) => [m.spec.data.noiseStd, m.spec.pruning.density])).toEqual([
      [0.5, 1], [0.5, 0.5], [1, 1], [1, 0.5], [2, 1], [2, 0.5],
    ]);
  });

  it("hashes sparsity and density grids alike, and ignores base fields the grid overrides", async () => {
    const bySparsity = await hashOf({ grid: { "pruning.sparsity": [0, 0.7] } });
    expect(await hashOf({ grid: { "pruning.density": [1, 0.3] } })).toBe(bySparsity);
    expect(await hashOf({ base: { pruning: { density: 0.42 } }, grid: { "pruning.density": [1, 0.3] } })).toBe(bySparsity);
    expect(await hashOf({ grid: { "pruning.density": [1, 0.3] }, repeats: 1 })).toBe(bySparsity);
  });

  it("changes hash with value order, repeats and base", async () => {
    const reference = await hashOf(fig2);
    expect(await hashOf({ ...fig2, grid: { "pruning.sparsity": [0.9, 0.5, 0.3, 0] } })).not.toBe(reference);
    expect(await hashOf({ ...fig2, repeats: 4 })).not.toBe(reference);
    expect(await hashOf({ ...fig2, base: { seed: 1, data: { noiseStd: 1 } } })).not.toBe(reference);
    expect(await hashOf({ grid: fig2.grid, repeats: 3, base: { data: { noiseStd: 1 } } })).toBe(reference);
  });

  it.each([
    ["duplicate values", { grid: { "pruning.density": [1, 0.5, 1] } }, "/grid/pruning.density/2"],
    ["unknown grid path", { grid: { "model.depth": [1, 2] } }, "/grid/model.depth"],
    ["seed in the grid", { grid: { seed: [1, 2] } }, "/grid/seed"],
    ["empty grid", { grid: {} }, "/grid"],
    ["empty value list", { grid: { "pruning.density": [] } }, "/grid/pruning.density"],
    ["density and sparsity", { grid: { "pruning.density": [1], "pruning.sparsity": [0.5] } }, "/grid/pruning.sparsity"],
    ["invalid value", { grid: { "pruning.density": [1, 1.5] } }, "/grid/pruning.density/1"],
    ["cross-field violation", { grid: { "data.classes": [2, 3] } }, "/grid/data.classes/1"],
    ["invalid base", { base: { model: { width: -1 } }, grid: { "pruning.density": [1] } }, "/base/model/width"],
    ["unknown field", { grid: { "pruning.density": [1] }, repetitions: 3 }, "/repetitions"],
    ["too many runs", { grid: { "pruning.density": Array.from({ length: 100 }, (_, i) => i / 100) }, repeats: 100 }, "/repeats"],
    ["seeds past the limit", { base: { seed: 2 ** 31 - 2 }, grid: { "pruning.density": [1] }, repeats: 5 }, "/repeats"],
  ])("rejects %s at its field path", (_, input, path) => {
    expect(errorsOf(input)).toContain(path);
  });
});

describe("aggregation", () => {
  const result = (testError: number | null, trainError = 0, diverged = false, signalNeurons = [1, 1]): RunResult => ({
    final: { trainLoss: 0.01, trainError, testLoss: testError === null ? null : 0.5, testError },
    curve: [
      { step: 0, trainLoss: 0.7, trainError: 0.5, testLoss: 0.7, testError: 0.5, signalAlignment: [0, 0], noiseAlignment: 0 },
      { step: 10, trainLoss: 0.01, trainError, testLoss: 0.5, testError, signalAlignment: [1, 1], noiseAlignment: 0.1 },
    ],
    diagnostics: { signalNeurons, realizedDensity: 1, theory: { mildDensityScale: 0, overPruningDensityScale: 0, conditionRatio: 1, expectedSignalNeurons: 1 } },
    diverged,
  });

  it("summarizes with the sample standard deviation and ignores missing values", () => {
    expect(summarize([1, 2, 3, 4])).toEqual({ n: 4, mean: 2.5, std: Math.sqrt(5 / 3), min: 1, max: 4 });
    expect(summarize([null, 2])).toEqual({ n: 1, mean: 2, std: null, min: 2, max: 2 });
    expect(summarize([])).toEqual({ n: 0, mean: null, std: null, min: null, max: null });
  });

  it("aggregates member results per grid point, with mean curves", () => {
    const sweep = parseSweepSpec({ grid: { "pruning.density": [1, 0.5] }, repeats: 3 });
    const members = expandSweep(sweep);
    const rows = aggregateSweep(sweep, members, [result(0.1), result(0.2), result(0.3), result(0.4, 0, false, [0, 2]), null, result(null, 0, true, [0, 0])]);
    expect(rows.map((r) => r.point)).toEqual([{ "pruning.density": 1 }, { "pruning.density": 0.5 }]);
    expect(rows[0]!.final.testError.mean).toBeCloseTo(0.2, 12);
    expect(rows[0]!.final.testError.std).toBeCloseTo(0.1, 12);
    expect(rows[0]).toMatchObject({ runs: 3, completed: 3, diverged: 0, missingSignalNeurons: 0 });
    expect(rows[1]).toMatchObject({ runs: 3, completed: 2, diverged: 1, missingSignalNeurons: 2 });
    expect(rows[1]!.final.testError).toEqual({ n: 1, mean: 0.4, std: null, min: 0.4, max: 0.4 });
    expect(rows[0]!.curve.map((p) => p.step)).toEqual([0, 10]);
    expect(rows[0]!.curve[1]!.testError).toBeCloseTo(0.2, 12);
    expect(rows[1]!.curve[1]!.testError).toBeCloseTo(0.4, 12);
  });
});
