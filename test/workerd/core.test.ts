import { describe, expect, it } from "vitest";
import { generateDataset, generateParameters, identifyRunSpec, parseSyntheticSpec } from "../../src/core/index.js";
import { GOLDEN_DATA_DIGEST, GOLDEN_DATA_SPEC, GOLDEN_HASHES, digestArrays } from "../fixtures/golden.js";

describe("the pure core inside workerd", () => {
  it.each(GOLDEN_HASHES)("hashes $name exactly as in Node", async ({ input, hash }) => {
    expect((await identifyRunSpec(parseSyntheticSpec(input))).hash).toBe(hash);
  });

  it("draws the same data and parameters as Node", async () => {
    const spec = parseSyntheticSpec(GOLDEN_DATA_SPEC);
    const train = generateDataset(spec, "train");
    const params = generateParameters(spec);
    expect(await digestArrays([train.labels, train.signalFirst, train.noise, params.weights, params.mask])).toBe(GOLDEN_DATA_DIGEST);
  });
});
