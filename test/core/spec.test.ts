import { describe, expect, it } from "vitest";
import { AppError, DEFAULT_RUN_SPEC, LIMITS, parseRunSpec, parseSyntheticSpec, sparsityToDensity } from "../../src/core/index.js";

function fieldErrors(input: unknown) {
  try {
    parseRunSpec(input);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("validation_failed");
    return (error as AppError).errors!;
  }
  throw new Error("expected the spec to be rejected");
}

describe("run spec", () => {
  it("fills the paper's §5.1 defaults", () => {
    expect(DEFAULT_RUN_SPEC).toEqual({
      version: 1,
      kind: "synthetic",
      seed: 0,
      data: { classes: 2, patchDim: 400, signal: "antipodal", signalStrength: 1, signalPatch: "first", noiseStd: 0.5, trainSize: 100, testSize: 100 },
      model: { width: 150, q: 1, initStd: 0.1 },
      pruning: { method: "random", density: 1 },
      training: { learningRate: 0.001, steps: 1000, evalEvery: 10 },
    });
  });

  it("turns sparsity into density rounded to 12 significant digits", () => {
    expect(parseRunSpec({ pruning: { sparsity: 0.7 } }).pruning).toEqual({ method: "random", density: 0.3 });
    expect(parseSyntheticSpec({ pruning: { sparsity: 0.9 } }).pruning.density).toBe(0.1);
    expect(sparsityToDensity(0.123456789012345)).toBe(0.876543210988);
    expect(parseSyntheticSpec({ pruning: { sparsity: 0 } }).pruning.density).toBe(1);
  });

  const badSpecs: [string, unknown, string][] = [
    ["not an object", 42, ""],
    ["wrong type", { data: { patchDim: "400" } }, "/data/patchDim"],
    ["fractional count", { model: { width: 1.5 } }, "/model/width"],
    ["negative", { data: { noiseStd: -1 } }, "/data/noiseStd"],
    ["zero learning rate", { training: { learningRate: 0 } }, "/training/learningRate"],
    ["NaN", { pruning: { density: Number.NaN } }, "/pruning/density"],
    ["Infinity", { model: { initStd: Number.POSITIVE_INFINITY } }, "/model/initStd"],
    ["density above 1", { pruning: { density: 1.5 } }, "/pruning/density"],
    ["unknown field", { data: { classes: 2, colour: "red" } }, "/data/colour"],
    ["unknown top-level field", { epochs: 3 }, "/epochs"],
    ["unknown enum value", { data: { signal: "gaussian" } }, "/data/signal"],
    ["unknown pruning method", { pruning: { method: "magnitude" } }, "/pruning/method"],
    ["unknown kind", { kind: "mnist" }, "/kind"],
    ["future version", { version: 2 }, "/version"],
    ["density and sparsity", { pruning: { density: 0.5, sparsity: 0.5 } }, "/pruning/sparsity"],
    ["antipodal with 3 classes", { data: { classes: 3 } }, "/data/classes"],
    ["basis with patchDim < classes", { data: { signal: "basis", classes: 5, patchDim: 4 } }, "/data/patchDim"],
    ["huge patchDim", { data: { patchDim: 1e9 } }, "/data/patchDim"],
    ["huge width", { model: { width: LIMITS.maxWidth + 1 } }, "/model/width"],
    ["huge seed", { seed: 2 ** 40 }, "/seed"],
    ["too many curve points", { training: { steps: 100_000, evalEvery: 1 } }, "/training/evalEvery"],
    ["over the largest job", { data: { patchDim: 100_000, trainSize: 100_000 }, model: { width: 1000 } }, ""],
    ["single class", { data: { classes: 1 } }, "/data/classes"],
  ];

  it.each(badSpecs)("rejects %s at its field path", (_, input, path) => {
    const errors = fieldErrors(input);
    expect(errors.map((e) => e.path)).toContain(path);
    for (const error of errors) expect(error.message.length).toBeGreaterThan(0);
  });

  it("reports every invalid field at once", () => {
    const errors = fieldErrors({ data: { patchDim: 0, trainSize: -3 }, model: { q: 0 } });
    expect(errors.map((e) => e.path).sort()).toEqual(["/data/patchDim", "/data/trainSize", "/model/q"]);
  });
});
