import { sql } from "drizzle-orm";
import type { TestProject } from "vitest/node";
import { parseSyntheticSpec } from "../../src/core/index.js";
import { useNodeBackend } from "../../src/engine/node.js";
import { train } from "../../src/engine/train.js";
import { migrateDatabase } from "../../src/store/migrate.js";
import { createPgDb } from "../../src/store/node-clients.js";
import { startWsProxy } from "../../src/store/ws-proxy.js";
import { CROSS_RUNTIME_SPECS } from "../fixtures/engine-specs.js";
import { startPostgresCluster } from "../setup/postgres.js";

/**
 * Global setup of the workerd project, in Node: trains the cross-runtime specs with Node's wasm
 * backend, and starts a throwaway PostgreSQL cluster (migrated) behind the WebSocket proxy, which
 * the Worker reaches with the Neon driver exactly as in production.
 */
export default async function setup(project: TestProject) {
  await useNodeBackend("wasm");
  const results: Record<string, unknown> = {};
  for (const [name, input] of Object.entries(CROSS_RUNTIME_SPECS)) results[name] = await train(parseSyntheticSpec(input));
  project.provide("nodeWasmResults", JSON.stringify(results));

  const cluster = await startPostgresCluster();
  const admin = createPgDb(cluster.url, 1);
  await admin.db.execute(sql`create database prunelab`);
  await admin.close();
  const databaseUrl = cluster.url.replace(/\/postgres$/, "/prunelab");
  const handle = createPgDb(databaseUrl, 1);
  await migrateDatabase(handle);
  await handle.close();
  const { hostname, port } = new URL(databaseUrl);
  const proxy = await startWsProxy({ target: `${hostname}:${port}` });
  project.provide("workerdDatabaseUrl", databaseUrl);
  project.provide("workerdWsProxy", proxy.address);
  return async () => {
    await proxy.close();
    cluster.stop();
  };
}
