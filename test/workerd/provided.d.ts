/** Values the workerd project's global setup computes in Node and provides to the tests. */
declare module "vitest" {
  export interface ProvidedContext {
    /** JSON of `train()` results for CROSS_RUNTIME_SPECS, computed by Node's wasm backend. */
    nodeWasmResults: string;
    /** A migrated database on a throwaway cluster, and the WebSocket proxy in front of it. */
    workerdDatabaseUrl: string;
    workerdWsProxy: string;
  }
}
export {};
