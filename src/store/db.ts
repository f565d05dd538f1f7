import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { schema } from "./schema.js";

/** One database type for every driver (Neon serverless, PGlite, node-postgres). */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** A database and how to let go of it. */
export interface DbHandle {
  db: Db;
  driver: "neon" | "pglite" | "pg";
  close(): Promise<void>;
}

/** Rows of a raw `db.execute` result: node-postgres, Neon and PGlite all answer `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
}
