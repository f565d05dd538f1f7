import { sql } from "drizzle-orm";
import { AppError } from "../core/index.js";
import journal from "../../migrations/meta/_journal.json" with { type: "json" };
import { rowsOf, type Db } from "./db.js";
import { isMissingRelation } from "./errors.js";

/** Migrations this code expects, read from the journal at build time (workerd has no file system). */
export const EXPECTED_MIGRATIONS = journal.entries.length;

/**
 * Fails with `schema_behind` when the database has fewer migrations applied than this code needs.
 * The Worker calls it once per isolate; migrations are applied by `npm run migrate`, never by the Worker.
 */
export async function checkSchemaVersion(db: Db): Promise<void> {
  let applied = 0;
  try {
    applied = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`))[0]?.n ?? 0;
  } catch (error) {
    // Only a missing migrations table means "nothing applied"; an unreachable database is not a
    // schema that is behind, and is reported as what it is by the caller.
    if (!isMissingRelation(error)) throw error;
    applied = 0;
  }
  if (applied < EXPECTED_MIGRATIONS) {
    throw new AppError("schema_behind", `the database has ${applied} of ${EXPECTED_MIGRATIONS} migrations; run \`npm run migrate\``);
  }
}
