import { describe, expect, it } from "vitest";
import {
  AGGREGATORS,
  KIND_NAMES,
  LEVEL_KEY,
  aggregateSweep,
  expandSweep,
  imageRunResultSchema,
  parseSweepSpec,
  summarize,
  type ImageRunResult,
  type ImageRunSpec,
  type SweepMember,
} from "../../src/core/index.js";
import { MLP_PRUNABLE, fixtureFinal, imageResultFor, impKeptCounts, realized } from "../fixtures/image-results.js";

const BASE = { kind: "image", data: { trainSize: 1000 }, training: { epochs: 4 } };

/** Every member's fixture result (schema-checked), or null where `missing` says so. */
function resultsOf(members: SweepMember[], missing: (member: SweepMember, index: number) => boolean = () => false): (ImageRunResult | null)[] {
  return members.map((member, i) => (missing(member, i) ? null : imageRunResultSchema.parse(imageResultFor(member.spec as ImageRunSpec))));
}

describe("image fixtures", () => {
  it("are valid image results with the pinned IMP counts, level 0 dense", () => {
    const [random, imp] = expandSweep(parseSweepSpec({ base: BASE, grid: { pruning: [{ method: "random", density: 0.8 }, { method: "imp", levels: 3 }] } }));
    const r = imageRunResultSchema.parse(imageResultFor(random!.spec as ImageRunSpec));
    expect(r.levels).toBeUndefined();
    expect(r.curve.map((p) => p.epoch)).toEqual([0, 1, 2, 3, 4]);
    expect(r.density).toBeCloseTo(0.8, 6);
    const i = imageRunResultSchema.parse(imageResultFor(imp!.spec as ImageRunSpec));
    expect(i.levels!.map((level) => level.density)).toEqual(impKeptCounts(0.2, 3).map((kept) => realized(kept)));
    expect(i.levels![0]!.density).toBe(1);
    expect(i.final).toEqual(i.levels![3]!.final);
    expect(i.density).toBe(i.levels![3]!.density);
  });
});

describe("image sweep aggregation", () => {
  it("has an aggregator for every kind", () => {
    expect(Object.keys(AGGREGATORS).sort()).toEqual([...KIND_NAMES].sort());
  });

  it("gives a random-pruning sweep one row per density, grouped by the density asked for, with mean and std over seeds", () => {
    const sweep = parseSweepSpec({ base: BASE, grid: { "pruning.sparsity": [0.2, 0.5] }, repeats: 3 });
    const members = expandSweep(sweep);
    const results = resultsOf(members);
    const rows = aggregateSweep(sweep, members, results);
    expect(rows.map((row) => row.point)).toEqual([
      { "pruning.method": "random", "pruning.density": 0.8 },
      { "pruning.method": "random", "pruning.density": 0.5 },
    ]);
    // the realized density of 0.8 is not 0.8 (round(p·size) per layer), yet all three seeds share the row
    expect(results[0]!.density).not.toBe(0.8);
    expect(rows[0]).toMatchObject({ runs: 3, completed: 3, diverged: 0, missingSignalNeurons: null });
    const errors = results.slice(0, 3).map((result) => result!.final.testError);
    expect(rows[0]!.final.testError).toEqual(summarize(errors));
    expect(rows[0]!.final.testError.std).toBeGreaterThan(0);
    expect(rows[1]!.final.trainLoss).toEqual(summarize(results.slice(3).map((result) => result!.final.trainLoss)));
    // the mean curve is per epoch: `step` carries the epoch
    expect(rows[0]!.curve.map((p) => p.step)).toEqual([0, 1, 2, 3, 4]);
    expect(rows[0]!.curve[2]!.testError).toBeCloseTo(summarize(results.slice(0, 3).map((result) => result!.curve[2]!.testError)).mean!, 12);
  });

  it("gives an IMP member one row per level at its realized density, and orders random then IMP, dense to sparse", () => {
    const sweep = parseSweepSpec({
      base: BASE,
      grid: { pruning: [{ method: "random", density: 0.512 }, { method: "random", density: 0.8 }, { method: "imp", levels: 3 }] },
      repeats: 2,
    });
    const members = expandSweep(sweep);
    const results = resultsOf(members);
    const rows = aggregateSweep(sweep, members, results);
    const kept = impKeptCounts(0.2, 3);
    expect(rows.map((row) => row.point)).toEqual([
      { "pruning.method": "random", "pruning.density": 0.8, [LEVEL_KEY]: "" },
      { "pruning.method": "random", "pruning.density": 0.512, [LEVEL_KEY]: "" },
      ...kept.map((k, level) => ({ "pruning.method": "imp", "pruning.density": realized(k), [LEVEL_KEY]: level })),
    ]);
    for (const row of rows) {
      expect(row).toMatchObject({ runs: 2, completed: 2, missingSignalNeurons: null });
      expect(Object.values(row.point).every((value) => typeof value === "number" || typeof value === "string")).toBe(true);
    }
    // level k's row averages level k of both seeds, not the run's final (its last level)
    const imp = results.filter((result) => result?.levels);
    expect(imp).toHaveLength(2);
    for (let level = 0; level <= 3; level++) {
      expect(rows[2 + level]!.final.testError).toEqual(summarize(imp.map((result) => result!.levels![level]!.final.testError)));
      expect(rows[2 + level]!.curve).toHaveLength(5);
    }
    expect(rows[2]!.final.testError.mean).toBeCloseTo(summarize([fixtureFinal(1, 0, true).testError, fixtureFinal(1, 1, true).testError]).mean!, 12);
    expect(rows[5]!.point["pruning.density"]).toBe(realized(kept[3]!));
    expect(realized(kept[3]!)).toBeCloseTo(0.512, 5);
  });

  it("counts members without a result and gives an IMP level its nominal density until a result has it", () => {
    const sweep = parseSweepSpec({ base: BASE, grid: { pruning: [{ method: "random", density: 0.5 }, { method: "imp", levels: 2, rate: 0.5 }] }, repeats: 2 });
    const members = expandSweep(sweep);
    // nothing done yet: every row is there, with no statistics
    const none = aggregateSweep(sweep, members, members.map(() => null));
    expect(none.map((row) => [row.point["pruning.method"], row.point["pruning.density"], row.runs, row.completed])).toEqual([
      ["random", 0.5, 2, 0],
      ["imp", 1, 2, 0],
      ["imp", 0.5, 2, 0],
      ["imp", 0.25, 2, 0],
    ]);
    expect(none[0]!.final.testError).toEqual({ n: 0, mean: null, std: null, min: null, max: null });
    expect(none[0]!.curve).toEqual([]);
    // one IMP seed done: its realized densities replace the nominal ones; n = 1 has no std
    const one = aggregateSweep(sweep, members, resultsOf(members, (member) => !(member.spec.kind === "image" && member.spec.pruning.method === "imp" && member.repeat === 0)));
    const kept = impKeptCounts(0.5, 2);
    expect(one.map((row) => [row.point["pruning.density"], row.completed])).toEqual([
      [0.5, 0],
      [1, 1],
      [realized(kept[1]!), 1],
      [realized(kept[2]!), 1],
    ]);
    expect(one[3]!.final.testError.n).toBe(1);
    expect(one[3]!.final.testError.std).toBeNull();
  });

  it("counts diverged levels and leaves their null metrics out of the statistics", () => {
    const sweep = parseSweepSpec({ base: BASE, grid: { pruning: [{ method: "imp", levels: 2 }] }, repeats: 2 });
    const members = expandSweep(sweep);
    const results = members.map((member, i) => imageRunResultSchema.parse(imageResultFor(member.spec as ImageRunSpec, i === 1 ? { divergedAt: 2 } : {})));
    const rows = aggregateSweep(sweep, members, results);
    expect(rows.map((row) => row.diverged)).toEqual([0, 0, 1]);
    expect(rows[2]).toMatchObject({ completed: 2 });
    expect(rows[2]!.final.testError.n).toBe(1);
    expect(rows[1]!.final.testError.n).toBe(2);
  });

  it("groups by the other grid values first, in grid order, and keeps pruning fields the members differ in", () => {
    const sweep = parseSweepSpec({
      base: BASE,
      grid: {
        "training.learningRate": [0.1, 0.05],
        pruning: [{ method: "random", density: 0.5, distribution: "erk" }, { method: "random", sparsity: 0.5 }, { method: "imp", levels: 1 }],
      },
    });
    const members = expandSweep(sweep);
    const rows = aggregateSweep(sweep, members, resultsOf(members));
    expect(rows.map((row) => Object.keys(row.point))).toEqual(Array(8).fill(["training.learningRate", "pruning.method", "pruning.distribution", "pruning.density", LEVEL_KEY]));
    expect(rows.map((row) => [row.point["training.learningRate"], row.point["pruning.method"], row.point["pruning.distribution"], row.point[LEVEL_KEY]])).toEqual([
      [0.1, "random", "erk", ""],
      [0.1, "random", "uniform", ""],
      [0.1, "imp", "", 0],
      [0.1, "imp", "", 1],
      [0.05, "random", "erk", ""],
      [0.05, "random", "uniform", ""],
      [0.05, "imp", "", 0],
      [0.05, "imp", "", 1],
    ]);
    for (const row of rows) expect(row.runs).toBe(1);
  });

  it("aggregates a sweep over another axis with the base's pruning as one method and density", () => {
    const sweep = parseSweepSpec({ base: { ...BASE, pruning: { method: "imp", levels: 2 } }, grid: { "data.trainSize": [500, 1000] }, repeats: 2 });
    const members = expandSweep(sweep);
    const rows = aggregateSweep(sweep, members, resultsOf(members));
    expect(rows.map((row) => [row.point["data.trainSize"], row.point[LEVEL_KEY], row.runs])).toEqual([
      [500, 0, 2],
      [500, 1, 2],
      [500, 2, 2],
      [1000, 0, 2],
      [1000, 1, 2],
      [1000, 2, 2],
    ]);
    expect(rows[2]!.point["pruning.density"]).toBe(realized(impKeptCounts(0.2, 2)[2]!));
    expect(MLP_PRUNABLE).toBe(1_851_392);
  });
});
