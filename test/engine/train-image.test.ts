import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import {
  AppError,
  erkCounts,
  impKeptSchedule,
  imageRunResultSchema,
  keptCount,
  partialResultSchema,
  unpackMask,
  type EpochProgress,
  type ImageRunResult,
  type PartialResult,
} from "../../src/core/index.js";
import { trainImage, type ImageTrainOptions } from "../../src/engine/image/train-image.js";
import { useNodeBackend } from "../../src/engine/node.js";
import { engineInfoFor, TRAINERS, trainRun } from "../../src/engine/trainers.js";
import { tinyImageData, tinySpec } from "./image-fixture.js";

const data = tinyImageData();
const hidden = [12, 8];
/** fc1 is 12 × 16, fc2 8 × 12 (PyTorch's [out, in]). */
const SIZES = [12 * 16, 8 * 12];
const TOTAL = SIZES[0]! + SIZES[1]!;
const train = (spec: ReturnType<typeof tinySpec>, options: Partial<ImageTrainOptions> = {}) => trainImage(spec, { data, hidden, ...options });
const imp = (rewindStep: number, extra: { momentum?: number } = {}) =>
  tinySpec({ seed: 3, pruning: { method: "imp", rate: 0.3, levels: 3, rewindStep }, training: { epochs: 3, momentum: extra.momentum ?? 0.9, weightDecay: 1e-4 } });

async function expectRefused(promise: Promise<unknown>, code: string, message: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  expect((error as AppError).message).toMatch(message);
}

describe("the MLP trainer with a random mask", () => {
  it("keeps exactly round(p · size) weights per layer, evaluates before and after every epoch, and returns a valid result", async () => {
    await useNodeBackend("wasm");
    const spec = tinySpec({ pruning: { method: "random", density: 0.3 }, training: { epochs: 6, learningRate: 0.5 } });
    const progress: EpochProgress[] = [];
    const result = await train(spec, { onProgress: (p) => progress.push(p) });
    expect(imageRunResultSchema.parse(result)).toEqual(result);
    expect(result.curve.map((p) => p.epoch)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(result.layerDensities).toEqual([
      { layer: "fc1", weights: SIZES[0], density: Number((Math.round(0.3 * SIZES[0]!) / SIZES[0]!).toPrecision(12)) },
      { layer: "fc2", weights: SIZES[1], density: Number((Math.round(0.3 * SIZES[1]!) / SIZES[1]!).toPrecision(12)) },
    ]);
    expect(result.density).toBe(Number(((Math.round(0.3 * SIZES[0]!) + Math.round(0.3 * SIZES[1]!)) / TOTAL).toPrecision(12)));
    expect(result.levels).toBeUndefined();
    expect(result.dataset).toEqual({ name: "mnist", sha256: data.sha256 });
    const last = result.curve[6]!;
    expect(result.final).toEqual({ trainLoss: last.trainLoss, trainError: last.trainError, testLoss: last.testLoss, testError: last.testError });
    expect(progress).toEqual(result.curve.map((p) => ({ epoch: p.epoch, epochs: 6, level: 0, levels: 0, loss: p.trainLoss })));
    // it learns: the tiny task's bands show through the noise
    expect(result.final.testError!).toBeLessThan(result.curve[0]!.testError! - 0.15);
    expect(result.final.trainLoss!).toBeLessThan(result.curve[0]!.trainLoss!);
  });

  it("spreads the kept weights by ERK", async () => {
    await useNodeBackend("wasm");
    const result = await train(tinySpec({ pruning: { method: "random", density: 0.3, distribution: "erk" }, training: { epochs: 1 } }));
    const counts = erkCounts(
      [
        { name: "fc1", shape: [12, 16] },
        { name: "fc2", shape: [8, 12] },
      ],
      0.3,
    );
    expect(result.layerDensities.map((l) => Math.round(l.density * l.weights))).toEqual(counts);
    expect(counts[0]! + counts[1]!).toBe(Math.round(0.3 * TOTAL));
  });

  it("gives identical numbers twice, keeps its tensor count flat over epochs and frees every tensor", async () => {
    await useNodeBackend("wasm");
    const spec = tinySpec({ pruning: { method: "random", density: 0.5 }, training: { epochs: 5, momentum: 0.9, weightDecay: 1e-4 } });
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const a = await train(spec, { onProgress: () => counts.push(tf.memory().numTensors) });
    const b = await train(spec);
    expect(b).toEqual(a);
    expect(counts).toHaveLength(6);
    expect(new Set(counts).size).toBe(1);
    expect(counts[0]).toBeGreaterThan(before); // the parameters, buffers and masks are alive while training
    expect(tf.memory().numTensors).toBe(before);
    const other = await train({ ...spec, seed: 4 });
    expect(other.curve[0]!.trainLoss).not.toBe(a.curve[0]!.trainLoss);
  });

  it("agrees between the wasm and cpu backends", async () => {
    const spec = tinySpec({ pruning: { method: "random", density: 0.5 }, training: { epochs: 3 } });
    await useNodeBackend("wasm");
    const wasm = await train(spec);
    await useNodeBackend("cpu");
    const cpu = await train(spec);
    await useNodeBackend("wasm");
    cpu.curve.forEach((point, i) => {
      expect(point.trainLoss!).toBeCloseTo(wasm.curve[i]!.trainLoss!, 3);
      expect(point.testLoss!).toBeCloseTo(wasm.curve[i]!.testLoss!, 3);
    });
  });

  it("multiplies the learning rate by gamma from the epoch after each milestone", async () => {
    await useNodeBackend("wasm");
    const run = (gamma: number) => train(tinySpec({ pruning: { method: "random", density: 0.5 }, training: { epochs: 4, milestones: [2], gamma } })).then((r) => r.curve);
    const [plain, decayed] = [await run(1), await run(0.1)];
    expect(decayed.slice(0, 3)).toEqual(plain.slice(0, 3));
    expect(decayed[3]!.trainLoss).not.toBe(plain[3]!.trainLoss);
  });

  it("stops as diverged at the first evaluation with a non-finite loss or parameter", async () => {
    await useNodeBackend("wasm");
    // lr · wd = 10: every step multiplies the weights by −9, so they overflow within a few epochs
    const before = tf.memory().numTensors;
    const exploding = { epochs: 30, learningRate: 10, weightDecay: 1 };
    const result = await train(tinySpec({ pruning: { method: "random", density: 0.5 }, training: exploding }));
    expect(imageRunResultSchema.parse(result)).toEqual(result);
    expect(result.diverged).toBe(true);
    expect(result.curve.length).toBeLessThan(31);
    expect(result.final.trainError).toBeNull();
    expect(result.curve.slice(0, -1).every((p) => p.trainLoss !== null && p.trainError !== null)).toBe(true);
    // an IMP job that diverges at level 0 trains no further level: its level list is level 0 alone
    const levels: PartialResult[] = [];
    const imp = await train(tinySpec({ pruning: { method: "imp", levels: 2 }, training: exploding }), { onLevel: (p) => levels.push(p) });
    expect(imageRunResultSchema.parse(imp)).toEqual(imp);
    expect([imp.diverged, imp.levels?.map((level) => [level.level, level.diverged]), imp.density, levels]).toEqual([true, [[0, true]], 1, []]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("stops with the signal's reason when aborted, freeing its tensors", async () => {
    await useNodeBackend("wasm");
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const reason = new Error("stop here");
    const outcome = train(tinySpec({ pruning: { method: "random", density: 0.5 }, training: { epochs: 50 } }), {
      signal: controller.signal,
      onProgress: (p) => p.epoch === 1 && controller.abort(reason),
    });
    await expect(outcome).rejects.toBe(reason);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("refuses data that does not fit the spec", async () => {
    await useNodeBackend("wasm");
    await expectRefused(train(tinySpec({ trainSize: 201 })), "misconfigured", /201 images/);
    await expectRefused(trainImage(tinySpec({}), { data: { ...data, dataset: "cifar10" } }), "misconfigured", /cifar10/);
    await expectRefused(trainImage(tinySpec({}), { data, hidden: [] }), "misconfigured", /does not train/);
  });
});

describe("the MLP trainer with IMP", () => {
  it.each([0, 7])("trains levels 0 … L on nested masks at the scheduled densities, reporting each level (rewind step %i)", async (rewindStep) => {
    await useNodeBackend("wasm");
    const spec = imp(rewindStep);
    const partials: PartialResult[] = [];
    const progress: EpochProgress[] = [];
    const result = await train(spec, { onLevel: (p) => partials.push(p), onProgress: (p) => progress.push(p) });
    expect(imageRunResultSchema.parse(result)).toEqual(result);
    const schedule = impKeptSchedule(TOTAL, 0.3, 3);
    expect(result.levels!.map((l) => l.level)).toEqual([0, 1, 2, 3]);
    expect(result.levels!.map((l) => l.density)).toEqual(schedule.map((kept) => Number((kept / TOTAL).toPrecision(12))));
    expect(result.levels![0]!.layerDensities.map((l) => l.density)).toEqual([1, 1]);
    const last = result.levels![3]!;
    expect([result.final, result.curve, result.density, result.layerDensities, result.diverged]).toEqual([last.final, last.curve, last.density, last.layerDensities, last.diverged]);
    expect(result.levels!.every((l) => l.curve.length === 4)).toBe(true);
    expect(progress.map((p) => [p.level, p.epoch])).toEqual([0, 1, 2, 3].flatMap((level) => [0, 1, 2, 3].map((epoch) => [level, epoch])));
    expect(progress.every((p) => p.levels === 3 && p.epochs === 3)).toBe(true);

    // one partial result per level but the last, each valid, holding the finished levels and the next level's mask
    expect(partials.map((p) => p.checkpoint.level)).toEqual([0, 1, 2]);
    let previous: Uint8Array[] = [new Uint8Array(SIZES[0]!).fill(1), new Uint8Array(SIZES[1]!).fill(1)];
    partials.forEach((partial, k) => {
      expect(partialResultSchema.parse(partial)).toEqual(partial);
      expect(partial.levels).toEqual(result.levels!.slice(0, k + 1));
      expect(partial.checkpoint.masks.map((m) => [m.layer, m.weights])).toEqual([
        ["fc1", SIZES[0]],
        ["fc2", SIZES[1]],
      ]);
      const masks = partial.checkpoint.masks.map((m) => unpackMask(m.bits, m.weights));
      masks.forEach((mask, l) => expect(mask.every((bit, i) => bit <= previous[l]![i]!)).toBe(true)); // nested
      expect(masks.map(keptCount)).toEqual(result.levels![k + 1]!.layerDensities.map((l) => Math.round(l.density * l.weights)));
      expect(keptCount(masks[0]!) + keptCount(masks[1]!)).toBe(schedule[k + 1]);
      previous = masks;
    });
  });

  it("rewinds to the weights after rewindStep steps: a different rewind step gives different pruned levels, the same level 0", async () => {
    await useNodeBackend("wasm");
    const [atInit, atSeven] = [await train(imp(0)), await train(imp(7))];
    expect(atSeven.levels![0]).toEqual(atInit.levels![0]);
    expect(atSeven.levels![1]!.curve[0]!.trainLoss).not.toBe(atInit.levels![1]!.curve[0]!.trainLoss);
  });

  it.each([0, 7])("resumed from any partial result, gives the numbers of the uninterrupted run (rewind step %i)", async (rewindStep) => {
    await useNodeBackend("wasm");
    const spec = imp(rewindStep);
    const partials: PartialResult[] = [];
    const whole = await train(spec, { onLevel: (p) => partials.push(p) });
    const before = tf.memory().numTensors;
    for (const partial of partials) {
      const levels: number[] = [];
      // a partial result as it travels: through JSON
      const resumed = await train(spec, { resume: JSON.parse(JSON.stringify(partial)), onProgress: (p) => levels.push(p.level) });
      expect(resumed).toEqual(whole);
      expect(Math.min(...levels)).toBe(partial.checkpoint.level + 1); // finished levels are not trained again
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("refuses a partial result that does not fit the spec", async () => {
    await useNodeBackend("wasm");
    const spec = imp(0, { momentum: 0 });
    let partial: PartialResult | undefined;
    await train({ ...spec, training: { ...spec.training, epochs: 1 } }, { onLevel: (p) => (partial ??= p) });
    const first = partial!;
    const withMasks = (masks: PartialResult["checkpoint"]["masks"]): PartialResult => ({ ...first, checkpoint: { ...first.checkpoint, masks } });
    const [fc1, fc2] = first.checkpoint.masks as [PartialResult["checkpoint"]["masks"][number], PartialResult["checkpoint"]["masks"][number]];
    await expectRefused(train(spec, { resume: withMasks([fc2, fc1]) }), "validation_failed", /mask 0 is fc2/);
    await expectRefused(train(spec, { resume: withMasks([fc1]) }), "validation_failed", /1 masks for 2 prunable layers/);
    await expectRefused(train(spec, { resume: withMasks([{ ...fc1, bits: withMasks([fc2]).checkpoint.masks[0]!.bits }, fc2]) }), "validation_failed", /does not fit/);
    const full = Buffer.alloc(Math.ceil(SIZES[0]! / 8), 255).toString("base64");
    await expectRefused(train(spec, { resume: withMasks([{ ...fc1, bits: full }, fc2]) }), "validation_failed", /keeps \d+ weights, level 1 keeps/);
    await expectRefused(train(spec, { resume: { ...first, levels: [] } }), "validation_failed", /levels 0 … 0/);
    await expectRefused(train({ ...spec, pruning: { method: "imp", rate: 0.3, levels: 1, rewindStep: 0 } }, { resume: { ...first, checkpoint: { ...first.checkpoint, level: 1 }, levels: [first.levels[0]!, { ...first.levels[0]!, level: 1 }] } }), "validation_failed", /last level is 1/);
    await expectRefused(train(tinySpec({ pruning: { method: "random", density: 0.5 } }), { resume: first }), "validation_failed", /only IMP/);
  });
});

describe("the image kind's registry entry", () => {
  it("trains through trainRun with the data in the options, and names its trainer", async () => {
    await useNodeBackend("wasm");
    expect(Object.keys(TRAINERS)).toContain("image");
    const spec = tinySpec({ pruning: { method: "random", density: 0.5 }, training: { epochs: 1 } });
    const progress: unknown[] = [];
    const viaRegistry = (await trainRun(spec, { data, onEpochProgress: (p) => progress.push(p) })) as ImageRunResult;
    expect(viaRegistry.curve).toHaveLength(2);
    expect(progress).toHaveLength(2);
    expect(engineInfoFor(spec)).toEqual({ tfjs: tf.version_core, backend: "wasm", simd: true, threads: 1, trainer: "mlp", device: "cpu" });
    await expectRefused(trainRun(spec), "misconfigured", /data set/);
  });
});
