import { describe, expect, it } from "vitest";
import {
  AppError,
  DEFAULT_KIND,
  DEFAULT_RUN_SPEC,
  EXPERIMENT_KINDS,
  KIND_NAMES,
  estimateCost,
  identifyRunSpec,
  kindDefaults,
  kindOf,
  parseRunSpec,
  parseSweepSpec,
  toCanonicalRunSpec,
  type SyntheticRunSpec,
} from "../../src/core/index.js";
import { TRAINERS } from "../../src/engine/trainers.js";

describe("the registry of experiment kinds", () => {
  it("has an entry per kind whose name is its key, a trainer per kind, and synthetic as the default", () => {
    expect(KIND_NAMES).toContain(DEFAULT_KIND);
    for (const [name, kind] of Object.entries(EXPERIMENT_KINDS)) {
      expect(kind.name).toBe(name);
      expect(kind.placements.length).toBeGreaterThan(0);
      expect(kindDefaults(kind.name).kind).toBe(name);
      expect(Object.keys(TRAINERS)).toContain(name);
    }
  });

  it("parses a spec without a kind as synthetic, with the same defaults and hash as an explicit one", async () => {
    expect(parseRunSpec({})).toEqual(kindDefaults("synthetic"));
    expect(DEFAULT_RUN_SPEC).toEqual(parseRunSpec({ kind: "synthetic" }));
    expect(kindOf(parseRunSpec({}))).toBe(EXPERIMENT_KINDS.synthetic);
    expect((await identifyRunSpec(parseRunSpec({ kind: "synthetic" }))).canonical).toBe('{"version":1}');
    expect(toCanonicalRunSpec(parseRunSpec({ seed: 3 }))).toEqual({ version: 1, seed: 3 });
  });

  it("refuses an unknown kind at /kind, naming the known ones", () => {
    for (const input of [{ kind: "mnist" }, { kind: 7 }]) {
      try {
        parseRunSpec(input);
        expect.unreachable();
      } catch (error) {
        expect((error as AppError).code).toBe("validation_failed");
        const kindError = (error as AppError).errors?.find((e) => e.path === "/kind");
        expect(kindError?.message).toContain(KIND_NAMES.join(", "));
      }
    }
  });

  it("costs a spec with its kind's model", () => {
    const spec = parseRunSpec({ model: { width: 20 } });
    expect(kindOf(spec).cost(spec)).toEqual(estimateCost(spec as SyntheticRunSpec));
  });

  it("refuses a sweep whose grid would expand past the member limit before expanding it", () => {
    // 4 axes × 100 values is 10⁸ points: building them would exhaust the heap.
    const values = (scale: number) => Array.from({ length: 100 }, (_, i) => scale * (i + 1));
    const grid = { "data.noiseStd": values(0.01), "model.initStd": values(0.001), "training.learningRate": values(0.0001), "data.signalStrength": values(0.1) };
    try {
      parseSweepSpec({ grid });
      expect.unreachable();
    } catch (error) {
      expect((error as AppError).code).toBe("validation_failed");
      expect((error as AppError).errors).toEqual([{ path: "/repeats", message: "100000000 points × 1 repeats exceeds 2000 runs" }]);
    }
  });
});
