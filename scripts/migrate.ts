/**
 * `npm run migrate`: applies pending migrations with the target driver's migrator.
 * DATABASE_URL (postgres://…, e.g. Neon's) selects a PostgreSQL server; without it the embedded
 * PGlite database under PGLITE_DIR (default .data/pglite) is migrated. A failure is one message
 * and a non-zero exit; `--verbose` adds the stack of an unexpected error.
 */
import { z } from "zod";
import { AppError, databaseUrlSchema, describeIssues } from "../src/core/index.js";
import { migrateDatabase } from "../src/store/migrate.js";
import { createPgDb, createPgliteDb } from "../src/store/node-clients.js";

function fail(message: string): never {
  console.error(`migrations not applied: ${message}`);
  process.exit(1);
}

const parsed = z
  .object({
    DATABASE_URL: databaseUrlSchema.optional(),
    PGLITE_DIR: z.string().min(1).default(".data/pglite"),
  })
  .safeParse(process.env);
if (!parsed.success) fail(`invalid environment: ${describeIssues(parsed.error)}`);
const env = parsed.data;
const target = env.DATABASE_URL ? "PostgreSQL server" : `PGlite at ${env.PGLITE_DIR}`;

try {
  const handle = env.DATABASE_URL ? createPgDb(env.DATABASE_URL, 1) : await createPgliteDb(env.PGLITE_DIR);
  try {
    await migrateDatabase(handle);
  } finally {
    await handle.close();
  }
  console.log(`migrations applied (${target})`);
} catch (error) {
  if (error instanceof AppError && error.code === "conflict") {
    // The lock of the PGlite directory: most often `npm start`, which migrates when it starts.
    fail(`${error.message}. If that is \`npm start\`, restart it instead: it applies migrations when it starts.`);
  }
  if (process.argv.includes("--verbose")) console.error(error);
  fail(`${target}: ${(error as Error).message}`);
}
