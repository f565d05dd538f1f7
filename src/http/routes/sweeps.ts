import { Hono } from "hono";
import { parseOrThrow, parseSweepSpec } from "../../core/index.js";
import type { JobService } from "../../service/index.js";
import { cacheHeaders, notModified } from "../caching.js";
import type { ApiConfig } from "../config.js";
import { sweepViewOf, type ViewLoaders } from "../loaders.js";
import { limitBody, requireKey } from "../middleware.js";
import { checkHash, readJson } from "../request.js";
import { pageQuerySchema, parseSubmission, underPath } from "../submit.js";
import { toAggregateCsv } from "../sweeps.js";

// Only a succeeded sweep is immutable: a failed one changes when a member is retried.
const sweepCaching = (status: string, etag: string) => cacheHeaders(status === "succeeded", etag, "sweep");

/** `/v1/sweeps`: submit, read with the aggregate, list, and the aggregate as CSV. */
export function createSweepRoutes(service: JobService, loaders: ViewLoaders, config: ApiConfig) {
  const routes = new Hono();

  routes.post("/", requireKey(config), limitBody(config.MAX_BODY_BYTES), async (c) => {
    const body = parseSubmission(await readJson(c), "sweep");
    const sweep = underPath("/spec", () => parseSweepSpec(body.spec));
    const state = await service.submitSweep(sweep, body.options.placement);
    const view = sweepViewOf(state, await service.runnerNotice(state.members));
    return c.json(view, view.status === "succeeded" ? 200 : 202, { location: `/v1/sweeps/${view.hash}`, "cache-control": "no-store" });
  });

  routes.get("/", async (c) => {
    const query = parseOrThrow(pageQuerySchema, c.req.query(), "query", "invalid_query");
    return c.json(await service.listSweeps(query), 200, { "cache-control": "no-store" });
  });

  routes.get("/:hash", async (c) => {
    const view = await loaders.loadSweep(checkHash(c.req.param("hash")));
    return notModified(c, view.status === "succeeded", view.hash, "sweep") ?? c.json(view, 200, sweepCaching(view.status, view.hash));
  });

  routes.get("/:hash/table.csv", async (c) => {
    const view = await loaders.loadSweep(checkHash(c.req.param("hash")));
    const cached = notModified(c, view.status === "succeeded", `${view.hash}.csv`, "sweep");
    if (cached) return cached;
    return c.body(toAggregateCsv(view.aggregate), 200, { "content-type": "text/csv; charset=utf-8", ...sweepCaching(view.status, `${view.hash}.csv`) });
  });

  return routes;
}
