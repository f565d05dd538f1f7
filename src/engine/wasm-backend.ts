import * as tf from "@tensorflow/tfjs-core";
import { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
// The emscripten factory of the non-threaded build; it runs both the plain and the SIMD binary.
import wasmFactory from "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.js";

type EmscriptenModule = Record<string, unknown> & {
  cwrap: (name: string, returnType: string | null, argTypes: string[]) => (...args: number[]) => number;
};
type InstantiateWasm = (imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) => object;
type Factory = (config: { instantiateWasm: InstantiateWasm; onAbort?: (why: unknown) => void }) => Promise<EmscriptenModule>;

/**
 * Runs `fn` while `process.versions.node` is hidden. Under workerd's nodejs_compat emscripten would
 * otherwise believe it runs in Node and `require("fs")`; the check happens synchronously at factory
 * start, so hiding it for that call is enough (docs/architecture.md, Measured facts).
 */
function withoutNodeDetection<T>(fn: () => T): T {
  const versions = (globalThis as { process?: { versions?: Record<string, string | undefined> } }).process?.versions;
  if (!versions || typeof versions.node !== "string" || !("navigator" in globalThis && (globalThis.navigator as { userAgent?: string }).userAgent === "Cloudflare-Workers")) {
    return fn();
  }
  const node = versions.node;
  try {
    Object.defineProperty(versions, "node", { value: undefined, configurable: true, writable: true });
    return fn();
  } finally {
    Object.defineProperty(versions, "node", { value: node, configurable: true, writable: true });
  }
}

/**
 * Builds tfjs's WASM backend around an already compiled SIMD module. Workers refuse to compile
 * WebAssembly from bytes, so both runtimes hand over a `WebAssembly.Module` (workerd imports it,
 * Node compiles the file) and emscripten is told to instantiate exactly that module.
 */
export async function createWasmBackend(module: WebAssembly.Module): Promise<BackendWasm> {
  const instantiateWasm: InstantiateWasm = (imports, done) => {
    WebAssembly.instantiate(module, imports).then((instance) => done(instance, module));
    return {}; // emscripten: exports arrive asynchronously through `done`
  };
  const wasm = await withoutNodeDetection(() =>
    (wasmFactory as unknown as Factory)({
      instantiateWasm,
      onAbort: (why) => {
        throw new Error(`tfjs wasm backend aborted: ${String(why)}`);
      },
    }),
  );
  wasm.tfjs = {
    init: wasm.cwrap("init", null, []),
    initWithThreadsCount: wasm.cwrap("init_with_threads_count", null, ["number"]),
    getThreadsCount: wasm.cwrap("get_threads_count", "number", []),
    registerTensor: wasm.cwrap("register_tensor", null, ["number", "number", "number"]),
    disposeData: wasm.cwrap("dispose_data", null, ["number"]),
    dispose: wasm.cwrap("dispose", null, []),
  };
  return new BackendWasm(wasm as never);
}

let registered: Promise<void> | undefined;

/**
 * Makes the SIMD, single-threaded WASM backend tfjs's current backend. Memoised per isolate: one
 * tfjs engine per isolate, one backend instance (docs/architecture.md, Measured facts).
 */
export function useWasmBackend(loadModule: () => Promise<WebAssembly.Module>): Promise<void> {
  registered ??= (async () => {
    const backend = await createWasmBackend(await loadModule());
    tf.removeBackend("wasm"); // the package's own factory fetches the binary by URL, which Workers cannot do
    tf.registerBackend("wasm", () => backend, 3);
  })();
  return registered.then(async () => {
    if (!(await tf.setBackend("wasm"))) throw new Error("the tfjs wasm backend failed to initialize");
  });
}
