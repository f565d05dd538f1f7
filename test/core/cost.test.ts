import { describe, expect, it } from "vitest";
import { countEvaluations, estimateCost, parseSyntheticSpec, theoryScales } from "../../src/core/index.js";

describe("cost model", () => {
  it("counts the noise-patch products of the §5.1 run", () => {
    const cost = estimateCost(parseSyntheticSpec({}));
    const nd_Km = 100 * 400 * 300;
    expect(cost.macsPerStep).toBe(2 * nd_Km + 4 * 100 * 300);
    expect(cost.evaluations).toBe(101);
    expect(cost.totalMacs).toBeGreaterThan(1000 * 2 * nd_Km);
    expect(cost.totalMacs).toBeLessThan(1.15 * 1000 * 2 * nd_Km); // 101 evaluations of train and test add ~10%
  });

  it("grows linearly in steps, width and dimension", () => {
    const at = (input: object) => estimateCost(parseSyntheticSpec(input)).macsPerStep;
    expect(at({ model: { width: 300 } })).toBe(2 * at({}));
    expect(estimateCost(parseSyntheticSpec({ training: { steps: 2000, evalEvery: 2000 } })).totalMacs).toBeGreaterThan(
      1.9 * estimateCost(parseSyntheticSpec({ training: { steps: 1000, evalEvery: 1000 } })).totalMacs,
    );
    expect(at({ data: { patchDim: 800 } })).toBeGreaterThan(1.99 * at({}));
  });

  it("counts step 0, every evalEvery steps and the last step once", () => {
    expect(countEvaluations(100, 10)).toBe(11);
    expect(countEvaluations(105, 10)).toBe(12);
    expect(countEvaluations(7, 100)).toBe(2);
  });
});

describe("theory scales", () => {
  it("follows Theorems 3.1, 4.1 and Condition 2.2", () => {
    const t = theoryScales(parseSyntheticSpec({ pruning: { density: 0.5 } }));
    expect(t.mildDensityScale).toBeCloseTo(Math.log(400) / 150, 12);
    expect(t.overPruningDensityScale).toBeCloseTo(1 / (2 * 150 * Math.log(400)), 12);
    expect(t.conditionRatio).toBeCloseTo(1 / (0.5 * 20 * Math.log(400)), 12);
    expect(t.expectedSignalNeurons).toBe(75);
    expect(theoryScales(parseSyntheticSpec({ data: { noiseStd: 0 } })).conditionRatio).toBeNull();
  });
});
