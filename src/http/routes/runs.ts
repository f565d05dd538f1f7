import { Hono, type Context } from "hono";
import { z } from "zod";
import { RUN_STATUSES, parseOrThrow, parseRunSpec } from "../../core/index.js";
import type { JobService } from "../../service/index.js";
import { cacheHeaders, notModified } from "../caching.js";
import type { ApiConfig } from "../config.js";
import type { ViewLoaders } from "../loaders.js";
import { limitBody, requireKey } from "../middleware.js";
import { checkHash, readJson } from "../request.js";
import { pageQuerySchema, parseSubmission, preferredWaitSeconds, underPath } from "../submit.js";
import { toRunView, type RunView } from "../views.js";

const listRunsSchema = pageQuerySchema.extend({ status: z.enum(RUN_STATUSES).optional() });

/**
 * The edge cache's copies of succeeded runs, by hash and by the origin a submit was sent to (the
 * Worker keeps a run's `GET /v1/runs/{hash}` in its Cache API, keyed by URL): they let a re-submit
 * of a spec whose run succeeded be answered without the database (docs/decisions/011-hot-paths.md).
 */
export interface EdgeRunCache {
  /** The run as the cache holds it, or null when it holds none (or cannot be read). */
  lookup(hash: string, origin: string): Promise<RunView | null>;
  /** Keeps a succeeded run the database answered a submit with, for the next re-submit; never throws. */
  keep(hash: string, origin: string): Promise<void>;
}

/** Lets `work` finish after the response: the Worker's `waitUntil` when there is one (not under `app.request`). */
function afterResponse(c: Context, work: Promise<void>): void {
  let waitUntil: ((promise: Promise<void>) => void) | undefined;
  try {
    waitUntil = c.executionCtx.waitUntil.bind(c.executionCtx);
  } catch {
    waitUntil = undefined; // no execution context: the promise runs on by itself
  }
  waitUntil?.(work);
}

/** `/v1/runs`: submit (with `Prefer: wait`), read, list, retry and cancel. */
export function createRunRoutes(service: JobService, loaders: ViewLoaders, config: ApiConfig, runCache?: EdgeRunCache) {
  const routes = new Hono();

  routes.post("/", requireKey(config), limitBody(config.MAX_BODY_BYTES), async (c) => {
    const body = parseSubmission(await readJson(c), "run");
    const spec = underPath("/spec", () => parseRunSpec(body.spec));
    const wait = preferredWaitSeconds(c.req.header("prefer"));
    const headers: Record<string, string> = { "cache-control": "no-store", ...(wait > 0 ? { "preference-applied": `wait=${wait}` } : {}) };
    const origin = new URL(c.req.url).origin;
    // Placement (which refuses over_budget whatever is stored) and the hash, decided once.
    const prepared = await service.prepareRun(spec, body.options.placement);
    if (runCache) {
      // A spec whose run succeeded is answered from the edge cache, as the service would answer it
      // (the stored run, 200), without opening a database connection (docs/decisions/011-hot-paths.md).
      const cached = await runCache.lookup(prepared.identity.hash, origin);
      if (cached) return c.json(cached, 200, headers);
    }
    const { run } = await service.submitRun(spec, body.options.placement, prepared);
    const latest = wait > 0 ? await service.waitForRun(run, wait) : run;
    const view = toRunView(latest, await service.runnerNotice([latest]));
    if (latest.status === "succeeded") {
      if (runCache) afterResponse(c, runCache.keep(run.hash, origin));
      return c.json(view, 200, headers);
    }
    return c.json(view, 202, { ...headers, location: `/v1/runs/${run.hash}` });
  });

  routes.get("/", async (c) => {
    const query = parseOrThrow(listRunsSchema, c.req.query(), "query", "invalid_query");
    return c.json(await service.listRuns(query), 200, { "cache-control": "no-store" });
  });

  routes.get("/:hash", async (c) => {
    const run = await loaders.loadRun(checkHash(c.req.param("hash")));
    const final = run.status === "succeeded";
    return notModified(c, final, run.hash, "run") ?? c.json(run, 200, cacheHeaders(final, run.hash, "run"));
  });

  routes.post("/:hash/retry", requireKey(config), async (c) => {
    const run = await service.retryRun(checkHash(c.req.param("hash")));
    return c.json(toRunView(run), 200, { "cache-control": "no-store" });
  });

  routes.post("/:hash/cancel", requireKey(config), async (c) => {
    const run = await service.cancelRun(checkHash(c.req.param("hash")));
    return c.json(toRunView(run), 200, { "cache-control": "no-store" });
  });

  return routes;
}
