import { Hono } from "hono";
import { z } from "zod";
import { AppError, parseOrThrow, type cachePurgeSchema } from "../../core/index.js";
import type { ApiConfig } from "../config.js";
import { bearerToken, limitBody, matchesSecret } from "../middleware.js";
import { readJson } from "../request.js";

export type CachePurge = z.output<typeof cachePurgeSchema>;
/** What the Worker does for a purge; `executionCtx` is the request's, where Workers Cache is reached. */
export type PurgeCache = (input: { tags: string[]; origin: string; executionCtx: unknown }) => Promise<Omit<CachePurge, "tags">>;

/** A tag as `Cache-Tag` carries them: printable ASCII without spaces or commas, at most 1024 characters. */
const tagSchema = z.string().regex(/^[\x21-\x2b\x2d-\x7e]{1,1024}$/, "a tag is 1 to 1024 printable ASCII characters without spaces or commas");
const purgeSchema = z.strictObject({ tags: z.array(tagSchema).min(1).max(30) });

/**
 * `POST /v1/cache/purge`: an operator removes cached representations by tag — one result
 * (`<hash>`), one kind (`run.chart.svg`) or one representation version (`v3`), after a change
 * of what they look like (docs/decisions/008-workers-cache.md). Needs ADMIN_TOKEN; closed without.
 */
export function createCacheRoutes(config: ApiConfig, purge: PurgeCache | undefined) {
  const routes = new Hono();
  routes.post("/purge", limitBody(config.MAX_BODY_BYTES), async (c) => {
    if (!config.ADMIN_TOKEN) throw new AppError("forbidden", "cache purging is closed: this API has no ADMIN_TOKEN configured");
    if (!(await matchesSecret(bearerToken(c), [config.ADMIN_TOKEN]))) throw new AppError("unauthorized", "send the admin token as Authorization: Bearer <token>");
    const { tags } = parseOrThrow(purgeSchema, await readJson(c), "purge request");
    let executionCtx: unknown;
    try {
      executionCtx = c.executionCtx;
    } catch {
      executionCtx = undefined; // not running in a Worker (tests, Node)
    }
    const outcome = purge ? await purge({ tags, origin: new URL(c.req.url).origin, executionCtx }) : { workersCache: "unavailable" as const, cacheApiEntries: 0, detail: "this deployment has no cache to purge" };
    const answer: CachePurge = { tags, ...outcome };
    return c.json(answer, 200, { "cache-control": "no-store" });
  });
  return routes;
}
