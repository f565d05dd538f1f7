import { describe, expect, it } from "vitest";
import {
  AppError,
  createStream,
  densityOf,
  erkCounts,
  erkDensities,
  globalMagnitudePrune,
  impKeptSchedule,
  keptCount,
  layerSize,
  packMask,
  randomMask,
  randomPruningMasks,
  realizedDensities,
  uniformCounts,
  unpackMask,
  type PrunableLayer,
} from "../../src/core/index.js";
import { fromBase64, toBase64 } from "../../src/core/base64.js";

/** The MLP 784-1024-1024-10's prunable layers, PyTorch's [out, in] shapes. */
const MLP: PrunableLayer[] = [
  { name: "fc1", shape: [1024, 784] },
  { name: "fc2", shape: [1024, 1024] },
];
const MLP_TOTAL = 1024 * 784 + 1024 * 1024;
const streams = (seed: number) => (layer: number) => createStream(seed, "mask", layer);
const isSubset = (inner: Uint8Array, outer: Uint8Array) => inner.every((bit, i) => bit <= outer[i]!);
/** Byte equality of large masks (vitest's deep equality is slow on a million entries). */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));

describe("random masks", () => {
  it("keep exactly round(p · size) weights of each layer (uniform)", () => {
    for (const density of [0, 0.013, 0.2, 0.5, 0.97, 1]) {
      const masks = randomPruningMasks(MLP, { density, distribution: "uniform" }, streams(3));
      expect(masks.map(keptCount)).toEqual(MLP.map((layer) => Math.round(density * layerSize(layer))));
      expect(masks.map((mask) => mask.length)).toEqual([1024 * 784, 1024 * 1024]);
      expect(masks.every((mask) => mask.every((bit) => bit === 0 || bit === 1))).toBe(true);
    }
    expect(uniformCounts([{ name: "a", shape: [3, 5] }], 0.5)).toEqual([8]); // 7.5 rounds up
  });

  it("are the same for the same seed, differ between seeds, and nest across densities", () => {
    const a = randomPruningMasks(MLP, { density: 0.2, distribution: "uniform" }, streams(7));
    const b = randomPruningMasks(MLP, { density: 0.2, distribution: "uniform" }, streams(7));
    const c = randomPruningMasks(MLP, { density: 0.2, distribution: "uniform" }, streams(8));
    const wider = randomPruningMasks(MLP, { density: 0.5, distribution: "uniform" }, streams(7));
    a.forEach((mask, l) => expect(same(b[l]!, mask)).toBe(true));
    a.forEach((mask, l) => expect(same(c[l]!, mask)).toBe(false));
    a.forEach((mask, l) => expect(isSubset(mask, wider[l]!)).toBe(true));
  });

  it("choose positions uniformly: every position is kept about as often", () => {
    const hits = new Float64Array(10);
    const random = createStream(1, "mask");
    const draws = 20_000;
    for (let t = 0; t < draws; t++) randomMask(10, 3, random).forEach((bit, i) => (hits[i]! += bit));
    // each position is kept with probability 0.3: 6000 ± 65 (one sd); allow 5 sd
    for (const h of hits) expect(Math.abs(h - 0.3 * draws)).toBeLessThan(5 * Math.sqrt(draws * 0.3 * 0.7));
  });
});

describe("Erdős–Rényi-Kernel densities", () => {
  const raw = (layer: PrunableLayer) => layer.shape.reduce((a, b) => a + b, 0) / layerSize(layer);

  it.each([0.01, 0.05, 0.1, 0.2, 0.5, 0.9])("keep round(p · total) over fc1 and fc2 in RigL's proportions at density %s", (density) => {
    const counts = erkCounts(MLP, density);
    expect(counts[0]! + counts[1]!).toBe(Math.round(density * MLP_TOTAL));
    // below the cap, density_l = ε · (n_in + n_out) / (n_in · n_out) with one ε
    const epsilon = (density * MLP_TOTAL) / (raw(MLP[0]!) * layerSize(MLP[0]!) + raw(MLP[1]!) * layerSize(MLP[1]!));
    MLP.forEach((layer, l) => expect(Math.abs(counts[l]! - epsilon * raw(layer) * layerSize(layer))).toBeLessThanOrEqual(1));
    expect(counts[0]! / layerSize(MLP[0]!)).toBeGreaterThan(counts[1]! / layerSize(MLP[1]!)); // the smaller fan-in layer is denser
  });

  it("caps a layer that would exceed density 1 and re-solves the rest", () => {
    // fc1's ERK density is 1.0813 · p: above p ≈ 0.925 it would exceed 1
    const target = Math.round(0.95 * MLP_TOTAL);
    expect(erkDensities(MLP, target)[0]).toBe(1);
    expect(erkCounts(MLP, 0.95)).toEqual([1024 * 784, target - 1024 * 784]);
    expect(erkCounts(MLP, 0.92)[0]).toBeLessThan(1024 * 784);
  });

  it("caps in turn until every density is at most 1, keeping the total exact", () => {
    // a small output-like layer is capped first, then the first layer; the conv kernel's raw value is Σ dims / Π dims
    const layers: PrunableLayer[] = [
      { name: "conv", shape: [16, 3, 3, 3] },
      { name: "fc1", shape: [300, 784] },
      { name: "fc2", shape: [100, 300] },
      { name: "head", shape: [10, 100] },
    ];
    const total = layers.reduce((sum, layer) => sum + layerSize(layer), 0);
    for (const density of [0.05, 0.3, 0.6, 0.9, 0.99]) {
      const target = Math.round(density * total);
      const densities = erkDensities(layers, target);
      const counts = erkCounts(layers, density);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(target);
      counts.forEach((count, l) => expect(count).toBeLessThanOrEqual(layerSize(layers[l]!)));
      const open = layers.map((_, l) => l).filter((l) => densities[l]! < 1);
      const epsilons = open.map((l) => densities[l]! / raw(layers[l]!));
      for (const e of epsilons) expect(e).toBeCloseTo(epsilons[0]!, 12); // one ε over the uncapped layers
      // a capped layer's raw value is at least every open layer's: capping goes densest first
      layers.forEach((layer, l) => {
        if (densities[l] === 1) for (const o of open) expect(raw(layer)).toBeGreaterThanOrEqual(raw(layers[o]!));
      });
    }
    expect(erkDensities(layers, Math.round(0.6 * total)).filter((d) => d === 1).length).toBeGreaterThanOrEqual(2);
    expect(erkCounts(layers, 1)).toEqual(layers.map(layerSize));
    expect(erkCounts(layers, 0)).toEqual([0, 0, 0, 0]);
  });

  it("gives random erk masks with exactly those counts", () => {
    const masks = randomPruningMasks(MLP, { density: 0.1, distribution: "erk" }, streams(0));
    expect(masks.map(keptCount)).toEqual(erkCounts(MLP, 0.1));
  });
});

describe("IMP global magnitude pruning", () => {
  it("removes the smallest |w| over all layers, ties by layer then index", () => {
    const weights = [Float32Array.from([0.5, -0.1, 0.3, 0.2]), Float32Array.from([-0.2, 0.05, 0.9, 0.2])];
    const masks = [Uint8Array.from([1, 1, 1, 1]), Uint8Array.from([1, 0, 1, 1])];
    // 7 remain; remove round(0.5 · 7) = 4: −0.1 and the three equal |0.2| (0.05 is pruned already)
    expect(globalMagnitudePrune(weights, masks, 0.5)).toEqual([Uint8Array.from([1, 0, 1, 0]), Uint8Array.from([0, 0, 1, 0])]);
    // remove round(0.3 · 7) = 2: −0.1 and the first |0.2| (layer 0, index 3)
    expect(globalMagnitudePrune(weights, masks, 0.3)).toEqual([Uint8Array.from([1, 0, 1, 0]), Uint8Array.from([1, 0, 1, 1])]);
    expect(masks[0]).toEqual(Uint8Array.from([1, 1, 1, 1])); // its input is not modified
  });

  it("gives nested masks at kept = previous − round(rate · previous) per level", () => {
    const layers: PrunableLayer[] = [
      { name: "fc1", shape: [37, 23] },
      { name: "fc2", shape: [19, 37] },
    ];
    const random = createStream(5, "init");
    const rate = 0.2;
    const levels = 8;
    const schedule = impKeptSchedule(37 * 23 + 19 * 37, rate, levels);
    let masks: Uint8Array[] = layers.map((layer) => new Uint8Array(layerSize(layer)).fill(1));
    for (let level = 1; level <= levels; level++) {
      // new "trained" weights every level, as IMP trains between prunings; pruned ones are zero
      const weights = layers.map((layer, l) => Float32Array.from({ length: layerSize(layer) }, (_, i) => (masks[l]![i] ? random.normal() : 0)));
      const next = globalMagnitudePrune(weights, masks, rate);
      next.forEach((mask, l) => expect(isSubset(mask, masks[l]!)).toBe(true));
      expect(next.map(keptCount).reduce((a, b) => a + b)).toBe(schedule[level]);
      expect(schedule[level]).toBe(schedule[level - 1]! - Math.round(rate * schedule[level - 1]!));
      // every removed weight is no larger than every kept one
      const removed = weights.flatMap((w, l) => Array.from(w).filter((_, i) => masks[l]![i] && !next[l]![i]).map(Math.abs));
      const kept = weights.flatMap((w, l) => Array.from(w).filter((_, i) => next[l]![i]).map(Math.abs));
      expect(Math.max(...removed)).toBeLessThanOrEqual(Math.min(...kept));
      masks = next;
    }
    expect(schedule.slice(0, 4)).toEqual([1554, 1243, 994, 795]);
  });
});

describe("realized densities", () => {
  it("are kept / total per layer and overall, to 12 significant digits", () => {
    const layers: PrunableLayer[] = [
      { name: "a", shape: [3] },
      { name: "b", shape: [2, 3] },
    ];
    const result = realizedDensities(layers, [Uint8Array.from([1, 0, 0]), Uint8Array.from([1, 1, 0, 0, 0, 0])]);
    expect(result).toEqual({
      density: 0.333333333333,
      layerDensities: [
        { layer: "a", weights: 3, density: 0.333333333333 },
        { layer: "b", weights: 6, density: 0.333333333333 },
      ],
    });
    expect(densityOf(2, 3)).toBe(0.666666666667);
    expect(densityOf(0, 0)).toBe(0);
  });
});

describe("masks packed for a checkpoint", () => {
  it("use one bit per weight, least significant bit first, in standard base64", () => {
    expect(packMask(Uint8Array.from([1, 0, 1, 1, 0, 0, 0, 0, 1]))).toBe(Buffer.from([0b00001101, 0b1]).toString("base64"));
    expect(packMask(Uint8Array.from([1, 0, 1, 1, 0, 0, 0, 0, 1]))).toBe("DQE=");
  });

  it("round-trip for every length and pattern", () => {
    const random = createStream(9, "mask");
    for (const size of [1, 2, 7, 8, 9, 15, 16, 17, 1000, 1024 * 784]) {
      const mask = randomMask(size, Math.floor(size / 3), random);
      const bits = packMask(mask);
      expect(bits).toBe(Buffer.from(Uint8Array.from({ length: Math.ceil(size / 8) }, (_, b) => mask.slice(8 * b, 8 * b + 8).reduce((byte, bit, i) => byte | (bit << i), 0))).toString("base64"));
      expect(same(unpackMask(bits, size), mask)).toBe(true);
    }
  });

  it("refuses bits that do not fit the layer", () => {
    const expectRefused = (fn: () => unknown) => expect(fn).toThrowError(AppError);
    expectRefused(() => unpackMask("DQE=", 17)); // 3 bytes needed
    expectRefused(() => unpackMask("DQE=", 8)); // 1 byte needed
    expectRefused(() => unpackMask("DQM=", 9)); // bit 9 set past the 9th weight
    expectRefused(() => unpackMask("DQ!=", 9));
    expectRefused(() => unpackMask("DQE", 9));
  });

  it("encode base64 as the standard does", () => {
    const random = createStream(2, "mask");
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, () => random.int(256));
      expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString("base64"));
      expect(fromBase64(toBase64(bytes))).toEqual(bytes);
    }
    const big = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 31) & 255);
    expect(toBase64(big)).toBe(Buffer.from(big).toString("base64"));
  });
});
