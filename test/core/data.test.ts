import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  countSignalNeurons,
  createStream,
  generateDataset,
  generateParameters,
  parseSyntheticSpec,
  realizedDensity,
  toDenseInputs,
} from "../../src/core/index.js";
import { GOLDEN_DATA_DIGEST, GOLDEN_DATA_SPEC, digestArrays } from "../fixtures/golden.js";

/** |x − expected| within `z` standard errors. */
function within(x: number, expected: number, standardError: number, z = 5) {
  expect(Math.abs(x - expected)).toBeLessThan(z * standardError);
}

describe("seeded randomness", () => {
  it("gives standard normals (mean 0, variance 1) and uniforms on [0, 1)", () => {
    const rng = createStream(123, "trainNoise");
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    let sumFourth = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      sum += z;
      sumSq += z * z;
      sumFourth += z ** 4;
    }
    within(sum / n, 0, 1 / Math.sqrt(n));
    within(sumSq / n, 1, Math.sqrt(2 / n));
    within(sumFourth / n, 3, Math.sqrt(96 / n)); // Gaussian kurtosis, not just any unit-variance law
    const u = createStream(123, "mask");
    let inside = 0;
    for (let i = 0; i < 10_000; i++) {
      const v = u.uniform();
      if (v >= 0 && v < 1) inside++;
    }
    expect(inside).toBe(10_000);
  });

  it("derives streams that differ from each other and across neighbouring seeds", () => {
    const first = (seed: number, name: Parameters<typeof createStream>[1]) => {
      const rng = createStream(seed, name);
      return Array.from({ length: 4 }, () => rng.uniform());
    };
    const draws = [first(0, "init"), first(0, "mask"), first(1, "init"), first(1, "mask"), first(0, "trainNoise")].map(String);
    expect(new Set(draws).size).toBe(draws.length);
    // neighbouring seeds are uncorrelated: correlation of 20k paired normals is ~0
    const a = createStream(5, "init");
    const b = createStream(6, "init");
    let cross = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) cross += a.normal() * b.normal();
    within(cross / n, 0, 1 / Math.sqrt(n));
  });
});

describe("data generation", () => {
  it("draws identical data for the same seed in two processes", async () => {
    const input = JSON.stringify(GOLDEN_DATA_SPEC);
    const run = () => execFileSync(process.execPath, ["--import", "tsx", "test/fixtures/print-data-digest.ts", input], { encoding: "utf8" });
    const [a, b] = [run(), run()];
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).toBe(b);
    const spec = parseSyntheticSpec(GOLDEN_DATA_SPEC);
    const train = generateDataset(spec, "train");
    const params = generateParameters(spec);
    expect(await digestArrays([train.labels, train.signalFirst, train.noise, params.weights, params.mask])).toBe(GOLDEN_DATA_DIGEST);
  });

  it("has noise of variance σn², balanced labels and exactly one signal coordinate (basis, random side)", () => {
    const spec = parseSyntheticSpec({ seed: 9, data: { classes: 4, signal: "basis", signalPatch: "random", patchDim: 50, noiseStd: 0.7, trainSize: 4000, signalStrength: 2.5 } });
    const data = generateDataset(spec, "train");
    const n = data.noise.length;
    const variance = data.noise.reduce((a, v) => a + v * v, 0) / n;
    within(variance, 0.49, 0.49 * Math.sqrt(2 / n));
    const counts = [0, 0, 0, 0];
    for (const y of data.labels) counts[y]!++;
    for (const c of counts) within(c / data.size, 0.25, Math.sqrt(0.25 * 0.75 / data.size));
    const firstSide = data.signalFirst.reduce((a, v) => a + v, 0) / data.size;
    within(firstSide, 0.5, Math.sqrt(0.25 / data.size));

    const dense = toDenseInputs(data);
    const d = 50;
    for (let i = 0; i < data.size; i++) {
      const signalPatch = dense.subarray(i * 2 * d + (data.signalFirst[i] ? 0 : d), i * 2 * d + (data.signalFirst[i] ? d : 2 * d));
      const nonzero = [...signalPatch.entries()].filter(([, v]) => v !== 0);
      expect(nonzero).toEqual([[data.labels[i], 2.5]]); // μ_y = μ·e_y
    }
  });

  it("places the antipodal signal ±μ·e_1 in the first patch", () => {
    const data = generateDataset(parseSyntheticSpec({ data: { patchDim: 20, trainSize: 500 } }), "train");
    for (let i = 0; i < data.size; i++) {
      expect(data.signalFirst[i]).toBe(1);
      expect(data.signalCoord[i]).toBe(0);
      expect(data.signalValue[i]).toBe(data.labels[i] === 0 ? 1 : -1);
    }
    const positives = data.labels.filter((y) => y === 0).length;
    within(positives / data.size, 0.5, Math.sqrt(0.25 / data.size));
  });

  it("keeps the test set when the train size changes, and train and test differ", () => {
    const small = parseSyntheticSpec({ data: { patchDim: 10, trainSize: 10, testSize: 30 } });
    const large = parseSyntheticSpec({ data: { patchDim: 10, trainSize: 50, testSize: 30 } });
    expect(generateDataset(small, "test").noise).toEqual(generateDataset(large, "test").noise);
    expect(generateDataset(large, "train").noise.subarray(0, 100)).toEqual(generateDataset(small, "train").noise);
    expect(generateDataset(small, "train").noise).not.toEqual(generateDataset(small, "test").noise.subarray(0, 100));
  });
});

describe("mask and initialization", () => {
  it("keeps a Bernoulli(density) fraction of weights and reports it", () => {
    const spec = parseSyntheticSpec({ seed: 2, data: { patchDim: 200 }, model: { width: 100 }, pruning: { density: 0.3 } });
    const params = generateParameters(spec);
    const n = params.mask.length;
    within(realizedDensity(params.mask), 0.3, Math.sqrt(0.3 * 0.7 / n));
    expect(params.mask.every((v) => v === 0 || v === 1)).toBe(true);
    const initVariance = params.weights.reduce((a, w) => a + w * w, 0) / n;
    within(initVariance, 0.01, 0.01 * Math.sqrt(2 / n));
  });

  it("nests masks across densities and keeps W⁽⁰⁾ fixed for one seed", () => {
    const at = (density: number) => generateParameters(parseSyntheticSpec({ data: { patchDim: 30 }, model: { width: 10 }, pruning: { density } }));
    const [sparse, dense] = [at(0.2), at(0.6)];
    expect(sparse.weights).toEqual(dense.weights);
    for (let k = 0; k < sparse.mask.length; k++) if (sparse.mask[k] === 1) expect(dense.mask[k]).toBe(1);
    expect(realizedDensity(at(1).mask)).toBe(1);
    expect(realizedDensity(at(0).mask)).toBe(0);
  });

  it("counts signal neurons per class from the mask", () => {
    const spec = parseSyntheticSpec({ seed: 1, data: { classes: 3, signal: "basis", patchDim: 10 }, model: { width: 400 }, pruning: { density: 0.25 } });
    const params = generateParameters(spec);
    const counts = countSignalNeurons(spec, params);
    expect(counts).toHaveLength(3);
    for (const c of counts) within(c / 400, 0.25, Math.sqrt(0.25 * 0.75 / 400));
    const full = parseSyntheticSpec({ data: { patchDim: 10 }, model: { width: 7 } });
    expect(countSignalNeurons(full, generateParameters(full))).toEqual([7, 7]);
  });
});
