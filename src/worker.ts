/**
 * Cloudflare Worker entry: wiring only (STYLE). Bindings are parsed once per isolate; each request
 * opens its own Neon pool (DESIGN §3); edge jobs arrive as queue wake-ups and train one at a time
 * per isolate; a cron trigger returns expired leases and re-sends lost wake-ups; immutable
 * responses are kept in the Cache API so repeated reads never reach Postgres.
 */
import { z } from "zod";
import openapiDocument from "../openapi.yaml";
import { AppError, databaseUrlSchema, parseConfigOrThrow } from "./core/index.js";
import { engineInfo, train } from "./engine/train.js";
import { useWorkerdBackend } from "./engine/workerd.js";
import { createApp, type Stores } from "./http/app.js";
import { apiConfigSchema } from "./http/config.js";
import { handleError } from "./http/problem.js";
import { runNextEdgeJob } from "./jobs/edge-job.js";
import { checkSchemaVersion, createNeonDb, createRunStore, createSweepStore } from "./store/index.js";

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
  let schemaChecked: Promise<void> | undefined;

  async function openStores(): Promise<Stores> {
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
  }

  const app = createApp({ config, openStores, wakeEdge: (hash) => queue.send({ hash }).then(() => undefined), openapiDocument });
  return { config, queue, app, openStores };
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

/** One training at a time per isolate (one tfjs engine per isolate, DESIGN §3). */
let training: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
  const next = training.then(fn, fn);
  training = next.catch(() => {});
  return next;
}

/**
 * Bump when the bytes served for an immutable result change (a new field in a view, a chart's
 * look): the Worker's cache then misses once and keeps the new representation.
 */
const REPRESENTATION_VERSION = 3;
const CACHEABLE = /^\/(v1|view)\/(runs|sweeps)\/[0-9a-f]{64}(\/table\.csv|\/chart\.json|\/chart\.svg)?$/;

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    try {
      const { app } = servicesFor(env);
      const url = new URL(request.url);
      const cacheable = request.method === "GET" && CACHEABLE.test(url.pathname) && !request.headers.has("if-none-match");
      const cache = cacheable ? (caches as unknown as { default: Cache }).default : undefined;
      // Keyed by path alone (these routes read no query, so `?anything` must not force a new render)
      // and by the version of the representations, so a new field or chart reaches readers.
      const cacheKey = new Request(`${url.origin}${url.pathname}?representation=${REPRESENTATION_VERSION}`);
      const hit = await cache?.match(cacheKey);
      if (hit) return hit;
      const response = await app.fetch(request);
      if (cache && response.status === 200 && response.headers.get("cache-control")?.includes("immutable")) {
        ctx.waitUntil(cache.put(cacheKey, response.clone()));
      }
      return response;
    } catch (error) {
      return handleError(error as Error); // misconfiguration: the app could not be built
    }
  },

  /** Each message wakes the trainer for one job: the oldest queued edge job, whichever it is. */
  async queue(batch: MessageBatch, env: Env): Promise<void> {
    const { config, openStores } = servicesFor(env);
    for (const message of batch.messages) {
      await oneAtATime(async () => {
        await useWorkerdBackend();
        const stores = await openStores();
        try {
          await runNextEdgeJob({ runs: stores.runs, train, engine: engineInfo, leaseMs: config.EDGE_LEASE_SECONDS * 1000, holder: "edge" });
        } finally {
          await stores.close();
        }
      });
      message.ack();
    }
  },

  /** Returns expired leases to the queue and re-sends wake-ups that may have been lost. */
  async scheduled(_controller: ScheduledController, env: Env): Promise<void> {
    const { config, queue, openStores } = servicesFor(env);
    const stores = await openStores();
    try {
      await stores.runs.expireLeases(config.MAX_ATTEMPTS);
      const queued = await stores.runs.queuedHashes("edge", 100);
      if (queued.length > 0) await queue.sendBatch(queued.map((hash) => ({ body: { hash } })));
    } finally {
      await stores.close();
    }
  },
};
