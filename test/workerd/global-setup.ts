import type { TestProject } from "vitest/node";
import { parseRunSpec } from "../../src/core/index.js";
import { useNodeBackend } from "../../src/engine/node.js";
import { train } from "../../src/engine/train.js";
import { CROSS_RUNTIME_SPECS } from "../fixtures/engine-specs.js";

/** Trains the cross-runtime specs in Node (wasm) and hands the results to the tests inside workerd. */
export default async function setup(project: TestProject) {
  await useNodeBackend("wasm");
  const results: Record<string, unknown> = {};
  for (const [name, input] of Object.entries(CROSS_RUNTIME_SPECS)) results[name] = await train(parseRunSpec(input));
  project.provide("nodeWasmResults", JSON.stringify(results));
}
