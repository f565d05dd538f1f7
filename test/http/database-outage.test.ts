import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ws from "ws";
import { createApp } from "../../src/http/app.js";
import { parseApiConfig } from "../../src/http/config.js";
import { storesFor } from "../../src/service/index.js";
import { migrateDatabase } from "../../src/store/migrate.js";
import { createCheckedOpener, createNeonDb } from "../../src/store/index.js";
import { createPgDb } from "../../src/store/node-clients.js";
import { startWsProxy, type WsProxy } from "../../src/store/ws-proxy.js";
import { startPostgresCluster } from "../setup/postgres.js";
import { validateResponse } from "./openapi-validator.js";

/**
 * The server path (Neon driver → proxy → PostgreSQL), opened as the Worker opens it, on a cluster of
 * this file's own that the test stops and starts: an unreachable database is 503 with Retry-After
 * and a true message — never a 500, never "schema behind" — and the API recovers when it returns.
 */
describe("a database outage", () => {
  let cluster: Awaited<ReturnType<typeof startPostgresCluster>>;
  let proxy: WsProxy;
  const small = { data: { patchDim: 20, trainSize: 12, testSize: 12 }, model: { width: 4 }, training: { steps: 10, evalEvery: 10 } };

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    const handle = createPgDb(cluster.url, 1);
    await migrateDatabase(handle);
    await handle.close();
    const { hostname, port } = new URL(cluster.url);
    proxy = await startWsProxy({ target: `${hostname}:${port}` });
  });
  afterAll(async () => {
    await proxy?.close();
    cluster?.stop();
  });

  /** A fresh app as a new isolate builds it: its schema check has not run yet. */
  const freshApp = () => {
    const openDb = createCheckedOpener(() => createNeonDb(cluster.url, { wsProxy: proxy.address, webSocketConstructor: ws }));
    const app = createApp({ config: parseApiConfig({}), openStores: async () => storesFor(await openDb()) });
    return async (path: string, init: RequestInit = {}) => {
      const response = await app.request(path, init);
      await validateResponse(init.method ?? "GET", path, response.clone());
      return response;
    };
  };
  const submit = (call: ReturnType<typeof freshApp>, seed: number) =>
    call("/v1/runs", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ spec: { ...small, seed }, options: { placement: "runner" } }) });
  const expectUnavailable = async (response: Response) => {
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
    const problem = await response.json();
    expect(problem).toMatchObject({ type: "/problems/database_unavailable", status: 503 });
    expect(problem.detail).toContain("cannot be reached");
  };

  it("answers 503 database_unavailable with Retry-After while the database is down, writes nothing, and recovers", async () => {
    const call = freshApp();
    const accepted = await submit(call, 1);
    expect(accepted.status).toBe(202);
    const { hash } = await accepted.json();

    cluster.pause();
    try {
      await expectUnavailable(await submit(call, 2));
      await expectUnavailable(await call(`/v1/runs/${hash}`));
      await expectUnavailable(await call("/v1/runs?limit=5"));
      // an isolate that starts while the database is down must not report a schema that is behind
      await expectUnavailable(await freshApp()("/v1/sweeps"));
    } finally {
      cluster.resume();
    }

    expect((await call(`/v1/runs/${hash}`)).status).toBe(200);
    const list = await (await call("/v1/runs?limit=10")).json();
    expect(list.items.map((item: { hash: string }) => item.hash)).toEqual([hash]); // the refused submit wrote nothing
    expect((await freshApp()("/v1/runs?limit=1")).status).toBe(200);
  });
});
