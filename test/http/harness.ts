import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { beforeEach } from "vitest";
import { createApp } from "../../src/http/app.js";
import { parseApiConfig } from "../../src/http/config.js";
import { createRunStore, createSweepStore, rowsOf } from "../../src/store/index.js";
import { usePglite } from "../store/databases.js";
import { validateResponse } from "./openapi-validator.js";

const OPENAPI_DOCUMENT = readFileSync(new URL("../../openapi.yaml", import.meta.url), "utf8");

/**
 * The app over an in-memory PGlite, for `app.request()` tests: registers the suite's hooks (one
 * database per file, emptied before each test) and records the edge wake-ups the app sends.
 */
export function useHttpHarness() {
  const database = usePglite();
  const woken: string[] = [];
  beforeEach(() => {
    woken.length = 0;
  });
  return {
    woken,
    db: () => database().db,
    /** The app, every response of which is checked against openapi.yaml before the test sees it. */
    appWith: (env: Record<string, string> = {}) => {
      const app = createApp({
        config: parseApiConfig(env),
        openStores: async () => ({ runs: createRunStore(database().db), sweeps: createSweepStore(database().db), close: async () => {} }),
        wakeEdge: async (hash) => void woken.push(hash),
        openapiDocument: OPENAPI_DOCUMENT,
      });
      return {
        async request(url: string, init: RequestInit = {}): Promise<Response> {
          const response = await app.request(url, init);
          await validateResponse(init.method ?? "GET", url, response.clone());
          return response;
        },
      };
    },
    countRuns: async () => rowsOf<{ n: number }>(await database().db.execute(sql`select count(*)::int as n from runs`))[0]!.n,
  };
}

/** A POST with a JSON body. */
export function postJson(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}
