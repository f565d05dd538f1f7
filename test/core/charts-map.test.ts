import { describe, expect, it } from "vitest";
import { aggregateSweep, axisPositions, expandSweep, mapAxes, mapCells, parseSweepSpec, theoryScales, theorySegments, specAt, type ImageRunSpec, type SyntheticRunResult, type SyntheticRunSpec } from "../../src/core/index.js";
import { imageResultFor } from "../fixtures/image-results.js";

const result = (testError: number): SyntheticRunResult => ({
  final: { trainLoss: 0.01, trainError: 0, testLoss: 0.5, testError },
  curve: [],
  diagnostics: { signalNeurons: [1, 1], realizedDensity: 1, theory: { mildDensityScale: 0, overPruningDensityScale: 0, conditionRatio: 1, expectedSignalNeurons: 1 } },
  diverged: false,
});

describe("regime map axes", () => {
  it("needs exactly two grid keys with several numeric values, and puts density on x", () => {
    expect(mapAxes(parseSweepSpec({ grid: { "pruning.density": [1, 0.5] } }))).toBeNull();
    expect(mapAxes(parseSweepSpec({ grid: { "pruning.density": [1, 0.5], "data.noiseStd": [0.5, 1], "model.width": [4, 8] } }))).toBeNull();
    expect(mapAxes(parseSweepSpec({ grid: { "pruning.density": [1, 0.5], "data.signal": ["antipodal", "basis"] }, base: { data: { classes: 2 } } }))).toBeNull();
    // a key with one value is not an axis
    const axes = mapAxes(parseSweepSpec({ grid: { "data.noiseStd": [0.5, 1], "model.width": [4], "pruning.density": [1, 0.3, 0.1, 0.03, 0.01] } }))!;
    expect([axes.x.key, axes.y.key]).toEqual(["pruning.density", "data.noiseStd"]);
  });

  it("draws values spaced evenly in log on a log axis, and an evenly spaced density as sparsity", () => {
    const log = mapAxes(parseSweepSpec({ grid: { "pruning.density": [1, 0.3, 0.1, 0.03, 0.01], "data.noiseStd": [0.25, 0.5, 1, 2] } }))!;
    expect([log.x.log, log.x.asSparsity, log.y.log]).toEqual([true, false, true]);
    const linear = mapAxes(parseSweepSpec({ grid: { "pruning.sparsity": [0, 0.3, 0.6, 0.9], "data.noiseStd": [0.5, 1, 1.5, 2] } }))!;
    expect([linear.x.log, linear.x.asSparsity, linear.y.log]).toEqual([false, true, false]);
    expect(linear.x.title).toBe("sparsity (fraction of weights pruned)");
  });

  it("gives each grid value one equal-width column in ascending order, and places values between them by log or linear interpolation", () => {
    const sweep = parseSweepSpec({ grid: { "pruning.density": [1, 0.1, 0.01], "data.noiseStd": [0.5, 1, 1.5] } });
    const members = expandSweep(sweep);
    const cells = mapCells(sweep, aggregateSweep(sweep, members, members.map(() => result(0.2))));
    const at = (density: number, noise: number) => cells.find((cell) => cell.xValue === density && cell.yValue === noise)!;
    expect([at(0.01, 0.5).x, at(0.1, 0.5).x, at(1, 0.5).x]).toEqual([0, 1, 2]);
    expect([at(0.1, 1).x0, at(0.1, 1).x1, at(0.1, 1).y, at(1, 1.5).y]).toEqual([0.5, 1.5, 1, 2]);
    const { x, y } = mapAxes(sweep)!;
    expect(axisPositions(x, [1, 0.1, 0.01]).at(Math.sqrt(0.1))).toBeCloseTo(1.5, 12); // halfway in log between 0.1 and 1
    expect(axisPositions(y, [0.5, 1, 1.5]).at(1.25)).toBeCloseTo(1.5, 12); // halfway linearly
    expect(axisPositions(x, [1, 0.1, 0.01]).at(0.001)).toBeNull(); // a whole column below the grid
  });
});

describe("the theory on a regime map", () => {
  it("draws the density scales per row where they fall, and Condition 2.2's ratio 1 between the rows it falls between", () => {
    // d = 400, m = 20, K = 3: log d / m ≈ 0.30, 1/(K m log d) ≈ 0.0028; the ratio 1/(σn √d log d) is 1 at σn ≈ 0.0083
    const sweep = parseSweepSpec({
      base: { data: { classes: 3, signal: "basis", patchDim: 400 }, model: { width: 20 } },
      grid: { "pruning.density": [1, 0.3, 0.1, 0.03, 0.01], "data.noiseStd": [0.002, 0.02, 0.2] },
    });
    const members = expandSweep(sweep);
    const cells = mapCells(sweep, aggregateSweep(sweep, members, members.map(() => result(0.2))));
    const theoryAt = (point: Record<string, number | string | Record<string, unknown>>) => theoryScales(specAt(sweep, point) as SyntheticRunSpec);
    const { segments, notes } = theorySegments(sweep, cells, theoryAt);
    const mild = segments.filter((segment) => segment.scale === "mild pruning: log d / m");
    expect(mild.map((segment) => segment.value)).toEqual([1, 2, 3].map(() => Math.log(400) / 20));
    // density 0.3 is column 3 of 0.01, 0.03, 0.1, 0.3, 1; log d / m ≈ 0.2996 sits just left of its centre, interpolated in log from 0.1
    expect(mild[0]!.x).toBeCloseTo(2 + Math.log(Math.log(400) / 20 / 0.1) / Math.log(3), 12);
    expect(segments.filter((segment) => segment.scale === "one signal neuron per class: 1/m").map((segment) => segment.value)).toEqual([0.05, 0.05, 0.05]);
    expect(segments.filter((segment) => segment.scale === "over-pruning: 1/(K m log d)")).toEqual([]); // 0.0028 < the grid's lowest bound, 0.01²/√(0.01 · 0.03) ≈ 0.0058
    const ratio = segments.filter((segment) => segment.scale === "Condition 2.2 ratio = 1");
    expect(ratio).toHaveLength(1);
    // between σn = 0.002 (ratio 4.2, row 0) and 0.02 (0.42, row 1), interpolated in log ratio: at σn = 1/(√d log d) exactly
    const r = (noise: number) => 1 / (noise * 20 * Math.log(400));
    const t = Math.log(r(0.002)) / (Math.log(r(0.002)) - Math.log(r(0.02)));
    expect(ratio[0]!.y).toBeCloseTo(t, 12);
    expect(ratio[0]!.value).toBeCloseTo(1 / (20 * Math.log(400)), 12);
    expect(notes).toEqual([
      "mild pruning: log d / m = 0.3 (solid)",
      "over-pruning: 1/(K m log d) = 2.8e-3 (dashed, outside the grid)",
      "one signal neuron per class: 1/m = 0.05 (dash-dot)",
      "Condition 2.2 ratio μ/(σn √d log d) = 0.042–4.2 (dotted: ratio 1)",
    ]);
  });
});

describe("regime maps over other axes", () => {
  it("move the density scales from row to row on a width axis, as log d / m does", () => {
    const sweep = parseSweepSpec({ base: { data: { classes: 3, signal: "basis" } }, grid: { "pruning.density": [1, 0.3, 0.1, 0.03], "model.width": [10, 20, 40] } });
    const members = expandSweep(sweep);
    const cells = mapCells(sweep, aggregateSweep(sweep, members, members.map(() => result(0.2))));
    const { segments } = theorySegments(sweep, cells, (point) => theoryScales(specAt(sweep, point) as SyntheticRunSpec));
    const mild = segments.filter((segment) => segment.scale === "mild pruning: log d / m");
    // m = 10: log 400 / 10 ≈ 0.60; m = 20: 0.30; m = 40: 0.15 — each on its own row (rows 0, 1, 2), moving left as m grows
    expect(mild.map((segment) => [segment.from, segment.value])).toEqual([10, 20, 40].map((m, row) => [row - 0.5, Math.log(400) / m]));
    expect(mild[0]!.x! > mild[1]!.x! && mild[1]!.x! > mild[2]!.x!).toBe(true);
    expect(segments.filter((segment) => segment.scale === "one signal neuron per class: 1/m").map((segment) => segment.value)).toEqual([0.1, 0.05, 0.025]);
  });

  it("draw an image sweep over density × training-set size, without theory lines", () => {
    const sweep = parseSweepSpec({ base: { kind: "image", training: { epochs: 2 } }, grid: { "pruning.density": [1, 0.5, 0.2], "data.trainSize": [1000, 2000] }, repeats: 2 });
    const members = expandSweep(sweep);
    const rows = aggregateSweep(sweep, members, members.map((member) => imageResultFor(member.spec as ImageRunSpec)));
    expect(mapAxes(sweep)!.y.key).toBe("data.trainSize");
    const cells = mapCells(sweep, rows);
    expect(cells).toHaveLength(6);
    // each training-set size is paired with its own dense runs
    expect(cells.filter((cell) => cell.xValue === 1).map((cell) => cell.paired)).toEqual([0, 0]);
    expect(theorySegments(sweep, cells, () => null)).toEqual({ segments: [], notes: [] });
  });
});
