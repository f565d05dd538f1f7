import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { useCpuBackend } from "./cpu-backend.js";
import { useWasmBackend } from "./wasm-backend.js";

/** Engine backends available in Node, by name. Native TensorFlow arrives with the runner. */
export const NODE_BACKENDS = {
  wasm: () => useWasmBackend(compileWasmFromPackage),
  cpu: useCpuBackend,
} as const;
export type NodeBackendName = keyof typeof NODE_BACKENDS;

async function compileWasmFromPackage(): Promise<WebAssembly.Module> {
  const path = createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-simd.wasm");
  return WebAssembly.compile(await readFile(path));
}

export function useNodeBackend(name: NodeBackendName): Promise<void> {
  return NODE_BACKENDS[name]();
}
