import { describe, expect, it } from "vitest";
import { AppError, EXPERIMENT_KINDS, parseRunSpec, parseSyntheticSpec } from "../../src/core/index.js";
import { decidePlacement } from "../../src/service/index.js";

describe("placement", () => {
  const budget = EXPERIMENT_KINDS.synthetic.cost(parseSyntheticSpec({})).totalMacs;

  it("puts a run on the edge up to the budget and on a runner above it", () => {
    expect(decidePlacement(parseRunSpec({}), "auto", budget)).toBe("edge");
    expect(decidePlacement(parseRunSpec({}), "auto", budget - 1)).toBe("runner");
    expect(decidePlacement(parseRunSpec({}), "runner", budget)).toBe("runner");
    expect(decidePlacement(parseRunSpec({}), "edge", budget)).toBe("edge");
  });

  it("refuses to force edge above the budget, naming the option's path", () => {
    try {
      decidePlacement(parseRunSpec({}), "edge", budget - 1);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("over_budget");
      expect((error as AppError).errors?.[0]?.path).toBe("/options/placement");
    }
  });
});
