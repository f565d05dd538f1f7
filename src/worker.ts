/**
 * Cloudflare Worker entry: wiring only. Parses the bindings once per isolate, opens a Neon pool
 * per request (DESIGN §3), and serves the Hono app. The queue consumer and scheduled handler that
 * train edge jobs are not wired yet: edge runs stay queued until they are.
 */
import { z } from "zod";
import { AppError } from "./core/index.js";
import { createApp } from "./http/app.js";
import { apiConfigSchema } from "./http/config.js";
import { handleError } from "./http/problem.js";
import { checkSchemaVersion, createNeonDb, createRunStore, createSweepStore } from "./store/index.js";

const workerEnvSchema = apiConfigSchema.extend({
  /** Postgres connection string (a Neon URL in production; a secret). */
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
  /** `host:port/path` of a local WebSocket→TCP proxy; unset in production. */
  WS_PROXY: z.string().optional(),
});

let app: ReturnType<typeof createApp> | undefined;
let schemaChecked: Promise<void> | undefined;

function appFor(env: Record<string, unknown>) {
  if (app) return app;
  const parsed = workerEnvSchema.safeParse(env);
  if (!parsed.success) {
    const missing = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new AppError("misconfigured", `the Worker's bindings are invalid: ${missing}`);
  }
  const config = parsed.data;
  app = createApp({
    config,
    async openStores() {
      const handle = createNeonDb(config.DATABASE_URL, config.WS_PROXY ? { wsProxy: config.WS_PROXY } : {});
      schemaChecked ??= checkSchemaVersion(handle.db).catch((error) => {
        schemaChecked = undefined; // check again on the next request
        throw error;
      });
      try {
        await schemaChecked;
      } catch (error) {
        await handle.close();
        throw error;
      }
      return { runs: createRunStore(handle.db), sweeps: createSweepStore(handle.db), close: () => handle.close() };
    },
  });
  return app;
}

export default {
  async fetch(request: Request, env: Record<string, unknown>): Promise<Response> {
    try {
      return await appFor(env).fetch(request);
    } catch (error) {
      return handleError(error as Error); // misconfiguration: the app could not be built
    }
  },
};
