import { AppError } from "../core/index.js";
import { createRunStore, createSweepStore, isConnectionError, type DbHandle, type RunStore, type SweepStore } from "../store/index.js";

/** The stores of one unit of work (one request, one queue message): a Worker opens a pool per request. */
export interface Stores {
  runs: RunStore;
  sweeps: SweepStore;
  close(): Promise<void>;
}

export type OpenStores = () => Promise<Stores>;

/** The stores over one database handle; closing them closes the handle. */
export function storesFor(handle: DbHandle): Stores {
  return { runs: createRunStore(handle.db), sweeps: createSweepStore(handle.db), close: () => handle.close() };
}

/** An unreachable database is a 503 the client may retry, never a 500 (docs/architecture.md, Life of a job). */
export function unavailable(error: unknown): AppError {
  const reason = error instanceof Error && error.message ? `: ${error.message}` : "";
  return new AppError("database_unavailable", `the database cannot be reached${reason}; retry later`, { retryable: true });
}

/**
 * Runs `fn` with freshly opened stores and always closes them. A connection failure, while opening
 * or inside `fn`, becomes `database_unavailable`; every other error passes through unchanged.
 */
export async function withStores<T>(open: OpenStores, fn: (stores: Stores) => Promise<T>): Promise<T> {
  let stores: Stores;
  try {
    stores = await open();
  } catch (error) {
    throw isConnectionError(error) ? unavailable(error) : error;
  }
  try {
    return await fn(stores);
  } catch (error) {
    throw isConnectionError(error) ? unavailable(error) : error;
  } finally {
    await stores.close().catch(() => {}); // a pool whose server went away may fail to end; the answer stands
  }
}
