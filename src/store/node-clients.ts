import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import pg from "pg";
import { AppError } from "../core/index.js";
import type { DbHandle } from "./db.js";
import { schema } from "./schema.js";

/** A plain PostgreSQL connection pool (node-postgres), for tools, migrations and tests. */
export function createPgDb(connectionString: string, max = 10): DbHandle {
  const pool = new pg.Pool({ connectionString, max });
  return { db: drizzlePg({ client: pool, schema }) as never, driver: "pg", close: () => pool.end() };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes `<dir>/prunelab.lock` for this process. PGlite does not lock its data directory, and two
 * openers silently lose data (docs/architecture.md, Measured facts), so a second opener gets a
 * clear error instead. A lock left by a process that no longer exists is taken over.
 */
export function lockDirectory(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "prunelab.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(readFileSync(path, "utf8"));
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) {
        throw new AppError("conflict", `the database directory ${dir} is in use by process ${holder}; stop it first (PGlite allows one process)`);
      }
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new AppError("conflict", `could not lock the database directory ${dir}`);
}

/** Embedded PGlite: persisted under `dir` (locked to this process), or in memory without one. */
export async function createPgliteDb(dir?: string): Promise<DbHandle & { client: PGlite }> {
  const unlock = dir ? lockDirectory(dir) : () => {};
  try {
    const client = dir ? await PGlite.create(dir) : await PGlite.create();
    return {
      client,
      db: drizzlePglite({ client, schema }) as never,
      driver: "pglite",
      async close() {
        try {
          await client.close();
        } finally {
          unlock();
        }
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}
