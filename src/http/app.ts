import { Hono } from "hono";
import { AppError } from "../core/index.js";
import { createJobService, type JobServiceDeps, type OpenStores } from "../service/index.js";
import type { ApiConfig } from "./config.js";
import { createViewLoaders } from "./loaders.js";
import { handleError } from "./problem.js";
import { createCacheRoutes, type PurgeCache } from "./routes/cache.js";
import { createChartRoutes } from "./routes/charts.js";
import { createMetaRoutes } from "./routes/meta.js";
import { createPageRoutes } from "./routes/pages.js";
import { createRunnerRoutes } from "./routes/runner.js";
import { createRunRoutes, type EdgeRunCache } from "./routes/runs.js";
import { createSpecRoutes } from "./routes/specs.js";
import { createSweepRoutes } from "./routes/sweeps.js";

export type { Stores } from "../service/index.js";

export interface AppDeps extends JobServiceDeps {
  config: ApiConfig;
  /** Opens the stores for one request (one database pool per request in a Worker). */
  openStores: OpenStores;
  /** Purges cached representations by tag (the Worker's caches); absent where there is no cache. */
  purgeCache?: PurgeCache;
  /** The text of openapi.yaml, served at /openapi.yaml and rendered at /docs. */
  openapiDocument?: string;
  /**
   * The edge cache's copies of succeeded runs: with it a re-submit of a spec whose run succeeded is
   * answered without the database (docs/decisions/011-hot-paths.md). The Worker wires its Cache API.
   */
  runCache?: EdgeRunCache;
}

/**
 * The prunelab HTTP API, routing only (docs/architecture.md, HTTP): each resource is a sub-app
 * whose handlers validate, call the job service and shape the view; every error goes through the
 * one problem+json handler.
 */
export function createApp(deps: AppDeps) {
  const { config } = deps;
  const service = createJobService(deps);
  const loaders = createViewLoaders(service);
  const app = new Hono();
  app.onError(handleError);
  app.use("*", async (c, next) => {
    await next();
    c.header("x-content-type-options", "nosniff"); // every answer is what its content-type says
  });
  app.notFound(() => {
    throw new AppError("not_found", "no such endpoint");
  });
  app.route("/", createMetaRoutes(deps.openapiDocument));
  app.route("/v1", createSpecRoutes(config));
  app.route("/v1/runs", createRunRoutes(service, loaders, config, deps.runCache));
  app.route("/v1/sweeps", createSweepRoutes(service, loaders, config));
  app.route("/v1", createChartRoutes(loaders));
  app.route("/v1/runner", createRunnerRoutes(service, config));
  app.route("/view", createPageRoutes(loaders));
  app.route("/v1/cache", createCacheRoutes(config, deps.purgeCache));
  return app;
}
