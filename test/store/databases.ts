import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, inject } from "vitest";
import ws from "ws";
import { createNeonDb, type DbHandle } from "../../src/store/index.js";
import { migrateDatabase } from "../../src/store/migrate.js";
import { createPgDb, createPgliteDb } from "../../src/store/node-clients.js";
import { startWsProxy, type WsProxy } from "../../src/store/ws-proxy.js";

/** A fresh database on the test cluster, so no test file sees another's rows. */
export async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = createPgDb(inject("postgresUrl"), 1);
  const name = `test_${randomBytes(6).toString("hex")}`;
  await admin.db.execute(sql.raw(`create database ${name}`));
  await admin.close();
  const url = inject("postgresUrl").replace(/\/postgres$/, `/${name}`);
  return {
    url,
    async drop() {
      const again = createPgDb(inject("postgresUrl"), 1);
      await again.db.execute(sql.raw(`drop database if exists ${name} with (force)`));
      await again.close();
    },
  };
}

/** The real server reached the production way: the Neon driver over WebSocket, through the proxy. */
export async function openPostgresViaNeon(): Promise<DbHandle & { proxy: WsProxy; url: string }> {
  const database = await createDatabase();
  const { hostname, port } = new URL(database.url);
  const proxy = await startWsProxy({ target: `${hostname}:${port}` });
  const handle = createNeonDb(database.url, { wsProxy: proxy.address, webSocketConstructor: ws });
  await migrateDatabase(handle);
  return {
    ...handle,
    proxy,
    url: database.url,
    async close() {
      await handle.close();
      await proxy.close();
      await database.drop();
    },
  };
}

/** Embedded PGlite in memory, migrated. */
export async function openPglite(): Promise<DbHandle> {
  const handle = await createPgliteDb();
  await migrateDatabase(handle);
  return handle;
}

export async function truncateAll(handle: DbHandle): Promise<void> {
  await handle.db.execute(sql`truncate sweep_members, sweeps, runs, runners restart identity cascade`);
}

/**
 * Registers a suite's hooks for an in-memory PGlite database: opened once per file, emptied before
 * each test, closed after the file. Returns the handle's getter.
 */
export function usePglite(): () => DbHandle {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await openPglite();
  });
  afterAll(async () => {
    await handle.close();
  });
  beforeEach(async () => {
    await truncateAll(handle);
  });
  return () => handle;
}
