import { fileURLToPath } from "node:url";
import { migrate as migrateNeon } from "drizzle-orm/neon-serverless/migrator";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import type { DbHandle } from "./db.js";

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../migrations", import.meta.url));

const MIGRATORS = { neon: migrateNeon, pg: migratePg, pglite: migratePglite } as const;

/** Applies the pending migrations with the driver's own migrator (Node only: it reads migrations/). */
export async function migrateDatabase(handle: DbHandle): Promise<void> {
  await MIGRATORS[handle.driver](handle.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
}
