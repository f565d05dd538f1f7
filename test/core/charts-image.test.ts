import { describe, expect, it } from "vitest";
import {
  KIND_NAMES,
  KIND_VIEWS,
  LEVEL_POINT_MARK,
  SWEEP_POINT_MARK,
  aggregateSweep,
  describeRunSpec,
  densityAxis,
  expandSweep,
  imageRunResultSchema,
  imageSweepChartData,
  parseRunSpec,
  parseSweepSpec,
  runChartOf,
  sweepChartOf,
  sweepSubject,
  type ImageRunResult,
  type ImageRunSpec,
} from "../../src/core/index.js";
import { imageResultFor, impKeptCounts, realized } from "../fixtures/image-results.js";

type Panel = { title: { text: string }; data: { values: Record<string, unknown>[] }; layer?: { name?: string; mark: { type: string } }[]; encoding?: Record<string, { field?: string }> };

const FIG3 = { base: { kind: "image", data: { trainSize: 1000 }, training: { epochs: 5 } }, grid: { pruning: [{ method: "imp", levels: 3 }, { method: "random", density: 0.8 }, { method: "random", density: 0.512 }] }, repeats: 2 };

function fig3() {
  const sweep = parseSweepSpec(FIG3);
  const members = expandSweep(sweep);
  const results = members.map((member) => imageRunResultSchema.parse(imageResultFor(member.spec as ImageRunSpec)));
  return { sweep, members, results, rows: aggregateSweep(sweep, members, results) };
}

const imageRun = (input: object): { spec: ImageRunSpec; result: ImageRunResult } => {
  const spec = parseRunSpec({ kind: "image", data: { trainSize: 1000 }, training: { epochs: 5 }, ...input }) as ImageRunSpec;
  return { spec, result: imageRunResultSchema.parse(imageResultFor(spec)) };
};

describe("image sweep chart (Figure 3)", () => {
  it("plots test and train accuracy, 100 × (1 − error), per method and density, with random pruning and IMP as series", () => {
    const { sweep, rows } = fig3();
    const chart = sweepChartOf(sweep, rows, "fig3") as { vconcat: Panel[] };
    const [finals, curves] = chart.vconcat;
    const data = finals!.data.values as unknown as ReturnType<typeof imageSweepChartData>;
    expect(new Set(data.map((d) => d.series))).toEqual(new Set(["random pruning", "IMP"]));
    expect(new Set(data.map((d) => d.metric))).toEqual(new Set(["test accuracy", "train accuracy"]));
    expect(new Set(data.map((d) => d.method))).toEqual(new Set(["random", "imp"]));
    expect(data).toHaveLength(rows.length * 2);
    // IMP: one point per level and split, at the level's realized density as sparsity
    const imp = data.filter((d) => d.series === "IMP" && d.metric === "test accuracy");
    expect(imp.map((d) => d.level)).toEqual([0, 1, 2, 3]);
    expect(imp.map((d) => d.density)).toEqual(impKeptCounts(0.2, 3).map((kept) => realized(kept)));
    expect(imp.map((d) => d.x)).toEqual(imp.map((d) => Number((1 - d.density).toPrecision(12))));
    for (const row of rows) {
      const datum = data.find((d) => d.density === row.point["pruning.density"] && d.series === (row.point["pruning.method"] === "imp" ? "IMP" : "random pruning") && d.metric === "train accuracy")!;
      expect(datum.mean).toBeCloseTo(100 * (1 - row.final.trainError.mean!), 10);
      expect(datum.std).toBeCloseTo(100 * row.final.trainError.std!, 10);
      expect(datum.n).toBe(2);
    }
    // colour is the method, dash the split; the point mark is the one the viewer tests count
    expect(finals!.encoding!.color).toMatchObject({ field: "series" });
    expect(finals!.layer!.map((layer) => layer.mark.type)).toEqual(["errorbar", "line", "point"]);
    expect((finals!.layer![1] as unknown as { encoding: { strokeDash: { field: string } } }).encoding.strokeDash.field).toBe("metric");
    expect(finals!.layer![2]!.name).toBe(SWEEP_POINT_MARK);
    expect(finals!.title.text).toMatch(/against sparsity/);
    // below: mean test accuracy per epoch, a panel per series
    const curveValues = curves!.data.values as { epoch: number; series: string; density: number; value: number }[];
    const dense = rows.find((row) => row.point["pruning.method"] === "imp" && row.point["pruning.level"] === 0)!;
    expect(curveValues.filter((d) => d.series === "IMP" && d.density === 1).map((d) => d.value)).toEqual(dense.curve.map((p) => 100 * (1 - p.testError!)));
    expect(sweepSubject(sweep, rows)).toBe("final accuracy against sparsity");
  });

  it("switches to density on a log axis when the densities span 20× or more, as the synthetic chart does", () => {
    expect(densityAxis([1, 0.8, 0.5])).toMatchObject({ log: false, name: "sparsity" });
    expect(densityAxis([1, 0.8 ** 14])).toMatchObject({ log: true, name: "density" });
    expect(densityAxis([1, 0])).toMatchObject({ log: false }); // no log axis through 0
    const sweep = parseSweepSpec({ ...FIG3, grid: { pruning: [{ method: "imp", levels: 14 }] }, repeats: 1 });
    const members = expandSweep(sweep);
    const rows = aggregateSweep(sweep, members, members.map((member) => imageResultFor(member.spec as ImageRunSpec)));
    const chart = sweepChartOf(sweep, rows, "deep IMP") as { vconcat: { encoding: { x: { scale?: { type: string } } } }[] };
    expect(chart.vconcat[0]!.encoding.x.scale).toMatchObject({ type: "log" });
    expect(sweepSubject(sweep, rows)).toBe("final accuracy against density");
  });

  it("leaves out rows without results, so a sweep with none has nothing to plot", () => {
    const { sweep, members } = fig3();
    const rows = aggregateSweep(sweep, members, members.map(() => null));
    expect(imageSweepChartData(rows)).toEqual([]);
  });
});

describe("image run chart", () => {
  it("draws a random mask's error and loss over epochs, train and test, and its layer densities", () => {
    const { spec, result } = imageRun({ pruning: { method: "random", density: 0.5 } });
    const chart = runChartOf(spec, result, "random") as { vconcat: Panel[] };
    expect(chart.vconcat.map((panel) => panel.title.text)).toEqual(["0-1 error over training", "cross-entropy loss over training", "layer densities"]);
    const [errors, losses, layers] = chart.vconcat;
    expect(errors!.data.values.filter((d) => d.split === "test").map((d) => d.value)).toEqual(result.curve.map((p) => p.testError));
    expect(errors!.data.values.filter((d) => d.split === "train").map((d) => d.epoch)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(losses!.data.values.filter((d) => d.split === "train").map((d) => d.value)).toEqual(result.curve.map((p) => p.trainLoss));
    expect(layers!.data.values.map((d) => [d.layer, d.density])).toEqual(result.layerDensities.map((layer) => [layer.layer, layer.density]));
    // no panel of the synthetic kind's alignments
    expect(JSON.stringify(chart)).not.toMatch(/alignment/);
  });

  it("draws an IMP run's final accuracy once per level against density, every level's curves, and layer densities per level", () => {
    const { spec, result } = imageRun({ pruning: { method: "imp", levels: 4 } });
    const chart = runChartOf(spec, result, "imp") as { vconcat: Panel[] };
    const [levels, errors, , layers] = chart.vconcat;
    expect(levels!.layer!.find((layer) => layer.name === LEVEL_POINT_MARK)).toBeDefined();
    const test = levels!.data.values.filter((d) => d.metric === "test accuracy");
    expect(test.map((d) => d.level)).toEqual([0, 1, 2, 3, 4]);
    expect(test.map((d) => d.value)).toEqual(result.levels!.map((level) => 100 * (1 - level.final.testError!)));
    expect(levels!.data.values.filter((d) => d.metric === "train accuracy").map((d) => d.density)).toEqual(result.levels!.map((level) => level.density));
    // colour the level, dash the split
    expect(errors!.encoding!.color).toMatchObject({ field: "level" });
    expect(errors!.encoding!.strokeDash).toMatchObject({ field: "split" });
    expect(new Set(errors!.data.values.map((d) => d.level))).toEqual(new Set([0, 1, 2, 3, 4]));
    expect(errors!.data.values.filter((d) => d.level === 2 && d.split === "test").map((d) => d.value)).toEqual(result.levels![2]!.curve.map((p) => p.testError));
    expect(layers!.data.values).toHaveLength(5 * 2);
    expect(layers!.data.values.filter((d) => d.level === 4).map((d) => d.density)).toEqual(result.levels![4]!.layerDensities.map((layer) => layer.density));
  });

  it("bounds what a long IMP run draws: at most 4 × 400 evaluations per split over all levels", () => {
    const { spec, result } = imageRun({ pruning: { method: "imp", levels: 30 }, training: { epochs: 500 }, data: { trainSize: 10 } });
    const chart = runChartOf(spec, result, "long") as { vconcat: Panel[] };
    const errors = chart.vconcat[1]!.data.values;
    expect(errors.filter((d) => d.split === "test").length).toBeLessThanOrEqual(1600);
    expect(errors.filter((d) => d.level === 30 && d.split === "test").at(-1)!.epoch).toBe(500); // the last evaluation is kept
  });

  it("leaves out non-finite values of a diverged level", () => {
    const spec = parseRunSpec({ kind: "image", training: { epochs: 4 }, pruning: { method: "imp", levels: 2 } }) as ImageRunSpec;
    const result = imageRunResultSchema.parse(imageResultFor(spec, { divergedAt: 2 }));
    const chart = runChartOf(spec, result, "diverged") as { vconcat: Panel[] };
    expect(chart.vconcat[0]!.data.values.filter((d) => d.level === 2)).toEqual([]);
    expect(chart.vconcat[1]!.data.values.every((d) => typeof d.value === "number" && Number.isFinite(d.value))).toBe(true);
  });
});

describe("views by kind", () => {
  it("has views for every kind", () => {
    expect(Object.keys(KIND_VIEWS).sort()).toEqual([...KIND_NAMES].sort());
  });

  it("describes an image spec in a line, leaving out fields or whole sections a sweep varies", () => {
    const imp = parseRunSpec({ kind: "image", pruning: { method: "imp" } });
    expect(describeRunSpec(imp)).toBe("mlp-1024-1024, mnist, n = 60000, IMP rate 0.2, 7 levels, rewound to initialization, 120 epochs, batch 128, η = 0.1, momentum 0, weight decay 0, seed 0");
    const random = parseRunSpec({ kind: "image", data: { trainSize: 6000 }, pruning: { method: "random", sparsity: 0.75, distribution: "erk" }, training: { milestones: [60, 90] } });
    expect(describeRunSpec(random, ["pruning.density", "seed"])).toBe("mlp-1024-1024, mnist, n = 6000, erk random pruning, 120 epochs, batch 128, η = 0.1, momentum 0, weight decay 0, η × 0.1 at epochs 60, 90");
    expect(describeRunSpec(random, ["pruning"])).not.toMatch(/pruning|density/);
    // the synthetic line is unchanged
    expect(describeRunSpec(parseRunSpec({}))).toBe("K = 2, d = 400, antipodal signal μ = 1, σn = 0.5, n = 100, m = 150/class, q = 1, σ0 = 0.1, density = 1, η = 0.001, T = 1000, seed 0");
  });
});
