import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, inject, it } from "vitest";
import { parseSyntheticSpec } from "../../src/core/index.js";
import { engineInfo, train } from "../../src/engine/train.js";
import { useWorkerdBackend } from "../../src/engine/workerd.js";
import { CROSS_RUNTIME_SPECS } from "../fixtures/engine-specs.js";

describe("the engine inside workerd", () => {
  it("loads tfjs WASM-SIMD from a precompiled module, single-threaded", async () => {
    await useWorkerdBackend();
    expect(engineInfo()).toEqual({ tfjs: tf.version_core, backend: "wasm", simd: true, threads: 1 });
  });

  it.each(Object.keys(CROSS_RUNTIME_SPECS))("trains the %s spec to exactly Node's numbers, leaking nothing", async (name) => {
    await useWorkerdBackend();
    const before = tf.memory().numTensors;
    const result = await train(parseSyntheticSpec(CROSS_RUNTIME_SPECS[name as keyof typeof CROSS_RUNTIME_SPECS]));
    expect(tf.memory().numTensors).toBe(before);
    const fromNode = JSON.parse(inject("nodeWasmResults"))[name];
    expect(result.curve.length).toBeGreaterThan(1);
    expect(result).toEqual(fromNode);
  });
});
