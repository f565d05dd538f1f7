import { describe, expect, it } from "vitest";
import { HASH_PATTERN, identifyRunSpec, omitDefaults, parseRunSpec, toCanonicalJson } from "../../src/core/index.js";
import { GOLDEN_HASHES } from "../fixtures/golden.js";

const hashOf = async (input: unknown) => (await identifyRunSpec(parseRunSpec(input))).hash;

describe("canonical form and hash", () => {
  it.each(GOLDEN_HASHES)("pins the hash of $name", async ({ input, hash, ...rest }) => {
    const identity = await identifyRunSpec(parseRunSpec(input));
    expect(identity.hash).toMatch(HASH_PATTERN);
    expect(identity.hash).toBe(hash);
    if ("canonical" in rest) expect(identity.canonical).toBe(rest.canonical);
  });

  it("does not depend on key order", async () => {
    const a = { seed: 4, data: { noiseStd: 1, patchDim: 64 }, model: { width: 8, q: 3 } };
    const b = { model: { q: 3, width: 8 }, data: { patchDim: 64, noiseStd: 1 }, seed: 4 };
    expect(await hashOf(a)).toBe(await hashOf(b));
  });

  it("does not depend on writing defaults explicitly", async () => {
    const explicit = { version: 1, kind: "synthetic", seed: 0, data: { classes: 2, noiseStd: 0.5 }, pruning: { method: "random", density: 1 }, training: {} };
    expect(await hashOf(explicit)).toBe(await hashOf({}));
    expect((await identifyRunSpec(parseRunSpec(explicit))).canonical).toBe('{"version":1}');
  });

  it("hashes sparsity and its density alike", async () => {
    expect(await hashOf({ pruning: { sparsity: 0.7 } })).toBe(await hashOf({ pruning: { density: 0.3 } }));
    expect(await hashOf({ pruning: { sparsity: 0 } })).toBe(await hashOf({}));
  });

  const changes: [string, unknown][] = [
    ["seed", { seed: 1 }],
    ["data.classes", { data: { classes: 3, signal: "basis" } }],
    ["data.patchDim", { data: { patchDim: 401 } }],
    ["data.signal", { data: { signal: "basis" } }],
    ["data.signalStrength", { data: { signalStrength: 2 } }],
    ["data.signalPatch", { data: { signalPatch: "random" } }],
    ["data.noiseStd", { data: { noiseStd: 1 } }],
    ["data.trainSize", { data: { trainSize: 101 } }],
    ["data.testSize", { data: { testSize: 99 } }],
    ["model.width", { model: { width: 151 } }],
    ["model.q", { model: { q: 3 } }],
    ["model.initStd", { model: { initStd: 0.01 } }],
    ["pruning.density", { pruning: { density: 0.999 } }],
    ["training.learningRate", { training: { learningRate: 0.01 } }],
    ["training.steps", { training: { steps: 999 } }],
    ["training.evalEvery", { training: { evalEvery: 5 } }],
  ];

  it.each(changes)("changes when %s changes", async (_, input) => {
    expect(await hashOf(input)).not.toBe(await hashOf({}));
  });

  it("gives every changed field its own hash", async () => {
    const hashes = await Promise.all(changes.map(([, input]) => hashOf(input)));
    expect(new Set(hashes).size).toBe(changes.length);
  });

  it("omits defaults recursively and drops emptied objects", () => {
    expect(omitDefaults({ a: 1, b: { c: 2, d: 3 }, e: { f: 4 } }, { a: 1, b: { c: 2, d: 0 }, e: { f: 4 } })).toEqual({ b: { d: 3 } });
  });

  it("serializes per RFC 8785", () => {
    expect(toCanonicalJson({ b: 1e21, a: [0.1, -0, "é"] })).toBe('{"a":[0.1,0,"é"],"b":1e+21}');
    expect(() => toCanonicalJson({ a: Number.NaN })).toThrow();
  });
});
