/**
 * `npm run migrate`: applies pending migrations with the target driver's migrator.
 * DATABASE_URL (postgres://…, e.g. Neon's) selects a PostgreSQL server; without it the embedded
 * PGlite database under PGLITE_DIR (default .data/pglite) is migrated.
 */
import { z } from "zod";
import { databaseUrlSchema, parseConfigOrThrow } from "../src/core/index.js";
import { migrateDatabase } from "../src/store/migrate.js";
import { createPgDb, createPgliteDb } from "../src/store/node-clients.js";

const env = parseConfigOrThrow(
  z.object({
    DATABASE_URL: databaseUrlSchema.optional(),
    PGLITE_DIR: z.string().min(1).default(".data/pglite"),
  }),
  process.env,
  "npm run migrate: invalid environment",
);

const handle = env.DATABASE_URL ? createPgDb(env.DATABASE_URL, 1) : await createPgliteDb(env.PGLITE_DIR);
try {
  await migrateDatabase(handle);
  console.log(`migrations applied (${env.DATABASE_URL ? "PostgreSQL server" : `PGlite at ${env.PGLITE_DIR}`})`);
} finally {
  await handle.close();
}
