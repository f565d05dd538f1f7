import type { DbHandle } from "./db.js";
import { checkSchemaVersion } from "./schema-version.js";

/**
 * Opens a database handle per unit of work (a Worker opens one pool per request: docs/architecture.md,
 * Runtimes) and checks the schema version on the first open that reaches the database, again after
 * a failed check, and never after one that passed.
 */
export function createCheckedOpener(open: () => DbHandle): () => Promise<DbHandle> {
  let checked: Promise<void> | undefined;
  return async () => {
    const handle = open();
    checked ??= checkSchemaVersion(handle.db).catch((error) => {
      checked = undefined; // check again on the next open
      throw error;
    });
    try {
      await checked;
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
    return handle;
  };
}
