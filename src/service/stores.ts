import type { RunStore, SweepStore } from "../store/index.js";

/** The stores of one unit of work (one request, one queue message): a Worker opens a pool per request. */
export interface Stores {
  runs: RunStore;
  sweeps: SweepStore;
  close(): Promise<void>;
}

export type OpenStores = () => Promise<Stores>;

/** Runs `fn` with freshly opened stores and always closes them. */
export async function withStores<T>(open: OpenStores, fn: (stores: Stores) => Promise<T>): Promise<T> {
  const stores = await open();
  try {
    return await fn(stores);
  } finally {
    await stores.close();
  }
}
