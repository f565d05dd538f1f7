declare module "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.js" {
  const factory: unknown;
  export default factory;
}
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
