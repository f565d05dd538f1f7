import { describe, expect, it } from "vitest";
import {
  aggregateSweep,
  distinguishable,
  expandSweep,
  imageRunResultSchema,
  pairedDifferences,
  parseSweepSpec,
  summarizeDifferences,
  type ImageRunResult,
  type ImageRunSpec,
  type SyntheticRunResult,
  type SyntheticRunSpec,
} from "../../src/core/index.js";
import { imageResultFor } from "../fixtures/image-results.js";

/** A synthetic result with the given final test error (null: diverged). */
const result = (testError: number | null): SyntheticRunResult => ({
  final: { trainLoss: 0.01, trainError: 0, testLoss: testError === null ? null : 0.5, testError },
  curve: [{ step: 0, trainLoss: 0.7, trainError: 0.5, testLoss: 0.7, testError: 0.5, signalAlignment: [0, 0], noiseAlignment: 0 }],
  diagnostics: { signalNeurons: [1, 1], realizedDensity: 1, theory: { mildDensityScale: 0, overPruningDensityScale: 0, conditionRatio: 1, expectedSignalNeurons: 1 } },
  diverged: testError === null,
});

/**
 * Test errors by noise, density and seed (0, 1, 2). `undefined`: no result (not finished);
 * `null`: diverged. The expected paired statistics below were computed by hand from this table.
 */
const TABLE: Record<number, Record<number, (number | null | undefined)[]>> = {
  0.5: { 1: [0.3, 0.2, 0.4], 0.5: [0.25, 0.18, 0.31], 0.25: [0.35, null, 0.5] },
  1: { 1: [0.45, undefined, 0.5], 0.5: [0.4, 0.4, 0.5], 0.25: [0.6, 0.6, 0.6] },
};

function tableSweep(densities: number[]) {
  const sweep = parseSweepSpec({ grid: { "data.noiseStd": [0.5, 1], "pruning.density": densities }, repeats: 3 });
  const members = expandSweep(sweep);
  const results = members.map((member) => {
    const spec = member.spec as SyntheticRunSpec;
    const value = TABLE[spec.data.noiseStd]![spec.pruning.density]![spec.seed];
    return value === undefined ? null : result(value);
  });
  return aggregateSweep(sweep, members, results);
}

describe("paired comparisons with the dense run of the same seed", () => {
  it("match the hand-computed differences, standard errors and counts of a fixture sweep", () => {
    const rows = tableSweep([1, 0.5, 0.25]);
    const at = (noise: number, density: number) => rows.find((row) => row.point["data.noiseStd"] === noise && row.point["pruning.density"] === density)!.paired!;
    // σn = 0.5, density 0.5: differences −0.05, −0.02, −0.09
    expect(at(0.5, 0.5)).toMatchObject({ metric: "testError", n: 3, improved: 3, worsened: 0 });
    expect(at(0.5, 0.5).mean).toBeCloseTo(-0.0533333333333, 12);
    expect(at(0.5, 0.5).std).toBeCloseTo(0.0351188458428, 12);
    expect(at(0.5, 0.5).se).toBeCloseTo(0.0202758751010, 12);
    // density 0.25: seed 1 diverged, so two pairs: +0.05, +0.10
    expect(at(0.5, 0.25)).toMatchObject({ n: 2, improved: 0, worsened: 2 });
    expect(at(0.5, 0.25).mean).toBeCloseTo(0.075, 12);
    expect(at(0.5, 0.25).se).toBeCloseTo(0.025, 12);
    // σn = 1: seed 1's dense run has no result, so it pairs nowhere; seed 2 ties (0 counts neither way)
    expect(at(1, 0.5)).toMatchObject({ n: 2, improved: 1, worsened: 0 });
    expect(at(1, 0.5).mean).toBeCloseTo(-0.025, 12);
    expect(at(1, 0.5).std).toBeCloseTo(0.0353553390593, 12);
    expect(at(1, 0.25)).toMatchObject({ n: 2, improved: 0, worsened: 2 });
    expect(at(1, 0.25).mean).toBeCloseTo(0.125, 12);
    // the dense rows compare with themselves
    expect(at(0.5, 1)).toEqual({ metric: "testError", n: 3, mean: 0, std: 0, se: 0, improved: 0, worsened: 0 });
    expect(at(1, 1)).toMatchObject({ n: 2, mean: 0 });
  });

  it("pairs only within the same other grid values: unpaired means would differ", () => {
    const rows = tableSweep([1, 0.5, 0.25]);
    const row = rows.find((r) => r.point["data.noiseStd"] === 1 && r.point["pruning.density"] === 0.5)!;
    const dense = rows.find((r) => r.point["data.noiseStd"] === 1 && r.point["pruning.density"] === 1)!;
    expect(row.final.testError.mean! - dense.final.testError.mean!).toBeCloseTo(0.4333333333 - 0.475, 9);
    expect(row.paired!.mean).not.toBeCloseTo(row.final.testError.mean! - dense.final.testError.mean!, 3);
  });

  it("are null without a dense point: a grid without density 1, or without a density axis", () => {
    expect(tableSweep([0.5, 0.25]).map((row) => row.paired)).toEqual([null, null, null, null]);
    const sweep = parseSweepSpec({ grid: { "data.noiseStd": [0.5, 1] }, repeats: 2 });
    const members = expandSweep(sweep);
    expect(aggregateSweep(sweep, members, members.map(() => result(0.2))).map((row) => row.paired)).toEqual([null, null]);
  });

  it("have n = 0 and no mean while nothing has finished", () => {
    const sweep = parseSweepSpec({ grid: { "pruning.density": [1, 0.5] }, repeats: 2 });
    const members = expandSweep(sweep);
    expect(aggregateSweep(sweep, members, members.map(() => null)).map((row) => row.paired)).toEqual([
      { metric: "testError", n: 0, mean: null, std: null, se: null, improved: 0, worsened: 0 },
      { metric: "testError", n: 0, mean: null, std: null, se: null, improved: 0, worsened: 0 },
    ]);
  });

  it("call a difference distinguishable from 0 at two standard errors", () => {
    expect(distinguishable(summarizeDifferences([-0.05, -0.02, -0.09]))).toBe(true); // |−0.053| ≥ 2 × 0.020
    expect(distinguishable(summarizeDifferences([-0.05, 0.0]))).toBe(false); // |−0.025| < 2 × 0.025
    expect(distinguishable(summarizeDifferences([0, 0, 0]))).toBe(false);
    expect(distinguishable(summarizeDifferences([0.1]))).toBeNull();
    expect(distinguishable(null)).toBeNull();
  });

  it("take the first key with a dense sample, and the dense sample of the same seed", () => {
    const paired = pairedDifferences(2, [
      { row: 0, keys: ["a", "any"], dense: true, seed: 0, value: 0.5 },
      { row: 1, keys: ["b", "any"], dense: false, seed: 0, value: 0.25 },
      { row: 1, keys: ["b", "any"], dense: false, seed: 1, value: 0.25 },
    ]);
    expect(paired[1]).toMatchObject({ n: 1, mean: -0.25, improved: 1 });
  });
});

describe("paired comparisons in image sweeps", () => {
  const BASE = { kind: "image", data: { trainSize: 1000 }, training: { epochs: 4 } };
  const resultsOf = (members: ReturnType<typeof expandSweep>): ImageRunResult[] => members.map((member) => imageRunResultSchema.parse(imageResultFor(member.spec as ImageRunSpec)));

  it("compare random masks with the random dense run, and IMP levels with level 0 of the same job", () => {
    const sweep = parseSweepSpec({
      base: BASE,
      grid: { pruning: [{ method: "random", density: 1 }, { method: "random", density: 0.5 }, { method: "imp", levels: 2 }] },
      repeats: 2,
    });
    const members = expandSweep(sweep);
    const results = resultsOf(members);
    const rows = aggregateSweep(sweep, members, results);
    const seeds = members.map((member) => member.spec.seed);
    const test = (i: number, level?: number) => (level === undefined ? results[i]!.final.testError! : results[i]!.levels![level]!.final.testError!);
    const randomHalf = rows.find((row) => row.point["pruning.method"] === "random" && row.point["pruning.density"] === 0.5)!;
    const randomAt = (seed: number, density: number) =>
      members.findIndex((m, i) => {
        const pruning = (m.spec as ImageRunSpec).pruning;
        return seeds[i] === seed && pruning.method === "random" && pruning.density === density;
      });
    const randomDense = (seed: number) => randomAt(seed, 1);
    const randomHalfOf = (seed: number) => randomAt(seed, 0.5);
    const expected = [0, 1].map((seed) => test(randomHalfOf(seed)) - test(randomDense(seed)));
    expect(randomHalf.paired!.n).toBe(2);
    expect(randomHalf.paired!.mean).toBeCloseTo((expected[0]! + expected[1]!) / 2, 12);
    const impIndex = (seed: number) => members.findIndex((m, i) => seeds[i] === seed && (m.spec as ImageRunSpec).pruning.method === "imp");
    const level2 = rows.find((row) => row.point["pruning.method"] === "imp" && row.point["pruning.level"] === 2)!;
    const impExpected = [0, 1].map((seed) => test(impIndex(seed), 2) - test(impIndex(seed), 0));
    expect(level2.paired!.mean).toBeCloseTo((impExpected[0]! + impExpected[1]!) / 2, 12);
    expect(level2.paired!.std).toBeCloseTo(Math.abs(impExpected[0]! - impExpected[1]!) / Math.SQRT2, 12);
  });

  it("fall back to IMP level 0 of the same seed for random masks without a random dense run; none at all without a dense run", () => {
    const sweep = parseSweepSpec({ base: BASE, grid: { pruning: [{ method: "random", density: 0.5 }, { method: "imp", levels: 1 }] }, repeats: 2 });
    const members = expandSweep(sweep);
    const results = resultsOf(members);
    const rows = aggregateSweep(sweep, members, results);
    const random = rows.find((row) => row.point["pruning.method"] === "random")!;
    const differences = [0, 1].map((seed) => {
      const r = members.findIndex((m) => m.spec.seed === seed && (m.spec as ImageRunSpec).pruning.method === "random");
      const imp = members.findIndex((m) => m.spec.seed === seed && (m.spec as ImageRunSpec).pruning.method === "imp");
      return results[r]!.final.testError! - results[imp]!.levels![0]!.final.testError!;
    });
    expect(random.paired!.mean).toBeCloseTo((differences[0]! + differences[1]!) / 2, 12);

    const randomOnly = parseSweepSpec({ base: BASE, grid: { "pruning.density": [0.8, 0.5] }, repeats: 2 });
    const randomMembers = expandSweep(randomOnly);
    expect(aggregateSweep(randomOnly, randomMembers, resultsOf(randomMembers)).map((row) => row.paired)).toEqual([null, null]);
  });
});
