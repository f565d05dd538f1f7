// Imported as a precompiled WebAssembly.Module: Workers refuse to compile WebAssembly from bytes.
import simdModule from "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-simd.wasm";
import { useWasmBackend } from "./wasm-backend.js";

/** The engine backend of the Worker: tfjs WASM, SIMD, single-threaded. */
export function useWorkerdBackend(): Promise<void> {
  return useWasmBackend(async () => simdModule);
}
