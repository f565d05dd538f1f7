/**
 * Cloudflare Worker entry: wiring only (docs/architecture.md, Parts). Bindings are parsed once per
 * isolate; each request opens its own Neon pool (docs/architecture.md, Runtimes); edge jobs arrive
 * as queue wake-ups and train one at a time per isolate; a cron trigger returns expired leases and
 * re-sends lost wake-ups; immutable responses are kept in the Cache API so repeated reads, and
 * re-submits of a spec whose run succeeded, never reach Postgres. Every job transition goes through
 * the job service (src/service).
 */
import { z } from "zod";
import openapiDocument from "../openapi.yaml";
import { AppError, HASH_PATTERN, databaseUrlSchema, parseConfigOrThrow } from "./core/index.js";
import { engineInfo } from "./engine/train.js";
import { trainRun } from "./engine/trainers.js";
import { useWorkerdBackend } from "./engine/workerd.js";
import { createApp } from "./http/app.js";
import { cacheApiKey, representationPaths } from "./http/caching.js";
import { apiConfigSchema } from "./http/config.js";
import { handleError } from "./http/problem.js";
import type { EdgeRunCache } from "./http/routes/runs.js";
import type { RunView } from "./http/views.js";
import { createJobService, storesFor } from "./service/index.js";
import { createCheckedOpener, createNeonDb } from "./store/index.js";

/** The message on EDGE_JOBS: only a wake-up; Postgres holds the job. */
type EdgeWakeUp = { hash: string };

const workerEnvSchema = apiConfigSchema.extend({
  /** Postgres connection string (a Neon URL in production; a secret). */
  DATABASE_URL: databaseUrlSchema,
  /** `host:port/path` of a local WebSocket→TCP proxy; unset in production. */
  WS_PROXY: z.string().optional(),
  /** Lease of an edge job; the trainer heartbeats well within it. */
  EDGE_LEASE_SECONDS: z.coerce.number().positive().default(120),
});

function createServices(env: Env) {
  const config = parseConfigOrThrow(workerEnvSchema, env, "the Worker's bindings are invalid");
  const queue: Queue<EdgeWakeUp> | undefined = env.EDGE_JOBS;
  if (!queue || typeof queue.send !== "function") throw new AppError("misconfigured", "the EDGE_JOBS queue binding is missing (see wrangler.toml)");
  // A request's statements run one after another, so its pool needs one connection: a second one
  // would only cost another WebSocket and Postgres session (docs/decisions/011-hot-paths.md).
  const openDb = createCheckedOpener(() => createNeonDb(config.DATABASE_URL, { maxConnections: 1, ...(config.WS_PROXY ? { wsProxy: config.WS_PROXY } : {}) }));
  const openStores = async () => storesFor(await openDb());

  const deps = {
    config,
    openStores,
    wakeEdge: (hash: string) => queue.send({ hash }).then(() => undefined),
    wakeEdgeMany: (hashes: string[]) => queue.sendBatch(hashes.map((hash) => ({ body: { hash } }))).then(() => undefined),
  };
  const app = createApp({ ...deps, openapiDocument, purgeCache, runCache: createRunCache(() => app) });
  return { config, app, jobs: createJobService(deps) };
}

/**
 * Purges cached representations by tag from both layers (docs/decisions/008-workers-cache.md):
 * Workers Cache through the request's `ctx.cache` (absent where the runtime has none), and the
 * Worker's own Cache API entries of every hash among the tags (the Cache API cannot purge by tag
 * from inside a Worker; kind and version tags reach those entries only through a zone purge).
 */
async function purgeCache({ tags, origin, executionCtx }: { tags: string[]; origin: string; executionCtx: unknown }) {
  const ctx = executionCtx as ExecutionContext | undefined;
  let workersCache: "purged" | "failed" | "unavailable" = "unavailable";
  let detail: string | null = null;
  if (ctx?.cache) {
    const result = await ctx.cache.purge({ tags });
    workersCache = result.success ? "purged" : "failed";
    if (!result.success) detail = result.errors.map((error) => `${error.code}: ${error.message}`).join("; ");
  }
  const keys = tags.filter((tag) => HASH_PATTERN.test(tag)).flatMap((hash) => representationPaths(hash).map((path) => cacheKeyOf(origin, path)));
  const deleted = await Promise.all(keys.map((key) => edgeCache().delete(key)));
  return { workersCache, cacheApiEntries: deleted.filter(Boolean).length, detail };
}

type Services = ReturnType<typeof createServices>;
const servicesByEnv = new WeakMap<object, Services>();
function servicesFor(env: Env): Services {
  let services = servicesByEnv.get(env);
  if (!services) {
    services = createServices(env);
    servicesByEnv.set(env, services);
  }
  return services;
}

/** One training at a time per isolate (one tfjs engine per isolate: docs/architecture.md, Runtimes). */
let training: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
  const next = training.then(fn, fn);
  training = next.catch(() => {});
  return next;
}

/** The paths of immutable representations: a run's or sweep's JSON, CSV, charts and page. */
const CACHEABLE = new RegExp(`^/(v1|view)/(runs|sweeps)/${HASH_PATTERN.source.slice(1, -1)}(/table\\.csv|/chart\\.json|/chart\\.svg)?$`);

const edgeCache = () => (caches as unknown as { default: Cache }).default;

/** The Cache API key of an immutable representation (`cacheApiKey`: its path and the representation version). */
const cacheKeyOf = (origin: string, pathname: string) => new Request(cacheApiKey(origin, pathname));

const isImmutable = (response: Response) => response.status === 200 && (response.headers.get("cache-control")?.includes("immutable") ?? false);

/**
 * Succeeded runs in the Cache API, under the key `GET /v1/runs/{hash}` keeps them at an origin, for
 * re-submits of their specs to be answered without the database (docs/decisions/011-hot-paths.md).
 * A miss, or a cache that fails, is null: the submit then goes to the database as before.
 */
function createRunCache(app: () => { fetch(request: Request): Response | Promise<Response> }): EdgeRunCache {
  const keyOf = (hash: string, origin: string) => cacheKeyOf(origin, `/v1/runs/${hash}`);
  /**
   * Runs this isolate already kept: where the Cache API keeps nothing (`*.workers.dev`), every
   * re-submit misses, and the read that renders a run is then paid once per isolate, not per submit.
   */
  const kept = new Set<string>();
  return {
    async lookup(hash, origin) {
      try {
        const hit = await edgeCache().match(keyOf(hash, origin));
        if (!hit) return null;
        const view = (await hit.json()) as RunView;
        return view.hash === hash && view.status === "succeeded" ? view : null;
      } catch (error) {
        console.warn(`the Cache API could not be read; the submit goes to the database: ${(error as Error).message}`);
        return null;
      }
    },
    /** Keeps the run's GET as a read of it would (rendered by the app), so `Prefer: wait` scripts that never read it hit too. */
    async keep(hash, origin) {
      const key = `${origin}/${hash}`;
      if (kept.has(key)) return;
      if (kept.size >= 1000) kept.clear();
      kept.add(key);
      try {
        const response = await app().fetch(new Request(`${origin}/v1/runs/${hash}`));
        if (isImmutable(response)) await edgeCache().put(keyOf(hash, origin), response);
        else await response.body?.cancel();
      } catch (error) {
        kept.delete(key);
        console.warn(`could not keep run ${hash} in the Cache API: ${(error as Error).message}`);
      }
    },
  };
}

/**
 * A cached immutable representation, or 304 when the client already holds its ETag. Only what was
 * cached can be answered 304 here; anything else goes to the app, which checks the run first.
 */
function conditional(request: Request, hit: Response): Response {
  const etag = hit.headers.get("etag");
  if (!etag || request.headers.get("if-none-match") !== etag) return hit;
  const headers = new Headers();
  for (const name of ["etag", "cache-control", "cache-tag", "x-content-type-options"]) {
    const value = hit.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  return new Response(null, { status: 304, headers });
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    try {
      const { app } = servicesFor(env);
      const url = new URL(request.url);
      const cacheable = request.method === "GET" && CACHEABLE.test(url.pathname);
      const cache = cacheable ? edgeCache() : undefined;
      const cacheKey = cacheKeyOf(url.origin, url.pathname);
      const hit = await cache?.match(cacheKey);
      if (hit) return conditional(request, hit);
      const response = await app.fetch(request, env, ctx); // the context lets the app finish work after responding
      if (cache && isImmutable(response)) ctx.waitUntil(cache.put(cacheKey, response.clone()));
      return response;
    } catch (error) {
      return handleError(error as Error); // misconfiguration: the app could not be built
    }
  },

  /** Each message wakes the trainer for one job: the oldest queued edge job, whichever it is. */
  async queue(batch: MessageBatch, env: Env): Promise<void> {
    const { config, jobs } = servicesFor(env);
    for (const message of batch.messages) {
      await oneAtATime(async () => {
        await useWorkerdBackend();
        await jobs.runEdgeJob({ train: trainRun, engine: engineInfo, leaseMs: config.EDGE_LEASE_SECONDS * 1000, holder: "edge" });
      });
      message.ack();
    }
  },

  /** Returns expired leases to the queue and re-sends wake-ups that may have been lost. */
  async scheduled(_controller: ScheduledController, env: Env): Promise<void> {
    await servicesFor(env).jobs.recover();
  },
};
