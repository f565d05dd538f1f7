import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import {
  AppError,
  PLACEMENTS,
  RUN_STATUSES,
  estimateCost,
  expandSweep,
  identifyRunSpec,
  identifySweepSpec,
  parseSweepSpec,
  parseOrThrow,
  parseRunSpec,
  type Placement,
  type RunSpec,
} from "../core/index.js";
import type { RunStore, SweepStore } from "../store/index.js";
import type { ApiConfig } from "./config.js";
import { handleError, problemPage } from "./problem.js";
import { checkHash, readJson } from "./request.js";
import { cacheHeaders, notModified } from "./caching.js";
import { createChartRoutes } from "./chart-routes.js";
import { presetViews } from "./presets.js";
import { createRunnerRoutes } from "./runner-routes.js";
import { toAggregateCsv, toSweepView } from "./sweeps.js";
import { toRunView } from "./views.js";

export interface Stores {
  runs: RunStore;
  sweeps: SweepStore;
  close(): Promise<void>;
}

export interface AppDeps {
  config: ApiConfig;
  /** Opens the stores for one request (one database pool per request in a Worker). */
  openStores(): Promise<Stores>;
  /** Wakes the edge trainer for a queued edge run (a queue message in the Worker). */
  wakeEdge?(hash: string): Promise<void>;
  /** The text of openapi.yaml, served at /openapi.yaml and rendered at /docs. */
  openapiDocument?: string;
}

/** `{ spec, options }`: what to compute, and how to run it (never part of the hash). */
const submitSchema = z.strictObject({
  spec: z.unknown(),
  options: z.strictObject({ placement: z.enum(["auto", ...PLACEMENTS]).default("auto") }).prefault({}),
});
const listSweepsSchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(64).optional(),
});
const listRunsSchema = z.strictObject({
  status: z.enum(RUN_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(64).optional(),
});

/** `Prefer: wait=N` (RFC 7240), N capped at 60 seconds; 0 when absent. */
export function preferredWaitSeconds(header: string | undefined): number {
  const match = /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?/i.exec(header ?? "");
  return match ? Math.min(60, Number(match[1])) : 0;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `load` until `done` holds or `seconds` pass; polling backs off from 100 ms to 1 s. */
async function waitUntil<T>(seconds: number, load: () => Promise<T>, done: (value: T) => boolean, initial: T): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let value = initial;
  for (let delay = 100; !done(value) && Date.now() < deadline; delay = Math.min(1000, delay * 2)) {
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
    value = await load();
  }
  return value;
}

const FINAL = new Set(["succeeded", "failed", "canceled"]);

/** Re-roots field errors of a nested document (the spec inside a request body). */
function underPath<T>(prefix: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof AppError && error.errors) {
      const errors = error.errors.map((e) => ({ ...e, path: prefix + e.path }));
      throw new AppError(error.code, error.message.replace(/: \//, `: ${prefix}/`), { errors });
    }
    throw error;
  }
}

/** An interactive reference of /openapi.yaml (Scalar, loaded by the reader's browser). */
function docsPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>prunelab API</title><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><script id="api-reference" data-url="/openapi.yaml"></script>
<script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.34.6"></script></body></html>`;
}

/** Decides where a run trains (DESIGN §4): the edge below its budget, a runner above; `edge` cannot be forced above it. */
export function decidePlacement(spec: RunSpec, requested: "auto" | Placement, edgeMaxMacs: number): Placement {
  const { totalMacs } = estimateCost(spec);
  if (requested === "runner") return "runner";
  if (totalMacs <= edgeMaxMacs) return "edge";
  if (requested === "edge") {
    throw new AppError("over_budget", `the run needs ${totalMacs.toExponential(2)} multiply-adds; the edge takes at most ${edgeMaxMacs.toExponential(2)}`, {
      errors: [{ path: "/options/placement", message: "over the edge budget: use auto or runner" }],
    });
  }
  return "runner";
}

/** The prunelab HTTP API (DESIGN §5). Handlers validate, call a store, shape the view. */
export function createApp(deps: AppDeps) {
  const { config } = deps;
  const app = new Hono();
  app.onError(handleError);
  app.notFound(() => {
    throw new AppError("not_found", "no such endpoint");
  });

  const requireKey = async (c: Context, next: () => Promise<void>) => {
    if (config.API_KEYS.length > 0) {
      const key = /^Bearer (.+)$/.exec(c.req.header("authorization") ?? "")?.[1];
      if (!key || !config.API_KEYS.includes(key)) throw new AppError("unauthorized", "send a valid API key as Authorization: Bearer <key>");
    }
    await next();
  };
  /** Runs `fn` with the stores of this request, after validation, so bad input never opens a connection. */
  const withStores = async <T>(fn: (stores: Stores) => Promise<T>): Promise<T> => {
    const stores = await deps.openStores();
    try {
      return await fn(stores);
    } finally {
      await stores.close();
    }
  };
  const limitBody = bodyLimit({
    maxSize: config.MAX_BODY_BYTES,
    onError: () => {
      throw new AppError("payload_too_large", `the body is larger than ${config.MAX_BODY_BYTES} bytes`);
    },
  });

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  if (deps.openapiDocument) {
    const document = deps.openapiDocument;
    app.get("/openapi.yaml", (c) => c.body(document, 200, { "content-type": "application/yaml; charset=utf-8", "cache-control": "public, max-age=300" }));
    app.get("/docs", (c) => c.html(docsPage(), 200, { "cache-control": "public, max-age=300" }));
  }
  app.get("/problems/:code", (c) => problemPage(c.req.param("code")) ?? c.notFound());

  app.post("/v1/specs/hash", limitBody, async (c) => {
    const body = await readJson(c);
    // A run spec is strict and has no `grid`, so a body with one can only be a sweep spec.
    if (typeof body === "object" && body !== null && "grid" in body) {
      return c.json({ kind: "sweep" as const, ...(await identifySweepSpec(parseSweepSpec(body))) });
    }
    return c.json({ kind: "run" as const, ...(await identifyRunSpec(parseRunSpec(body))) });
  });

  app.get("/v1/presets", async (c) => c.json(await presetViews(), 200, { "cache-control": "public, max-age=300" }));
  app.get("/v1/presets/:name", async (c) => {
    const preset = (await presetViews()).find((p) => p.name === c.req.param("name"));
    if (!preset) throw new AppError("not_found", `no preset named "${c.req.param("name")}"`);
    return c.json(preset, 200, { "cache-control": "public, max-age=300" });
  });

  app.post("/v1/runs", requireKey, limitBody, async (c) => {
    const body = parseOrThrow(submitSchema, await readJson(c), "request");
    const spec = underPath("/spec", () => parseRunSpec(body.spec));
    const placement = decidePlacement(spec, body.options.placement, config.EDGE_MAX_MACS);
    const identity = await identifyRunSpec(spec);
    const { run, created } = await withStores((stores) =>
      stores.runs.submit({ hash: identity.hash, spec: JSON.parse(identity.canonical), placement, queuedCap: config.QUEUED_CAP }),
    );
    if (created && run.placement === "edge") await deps.wakeEdge?.(run.hash);
    const wait = preferredWaitSeconds(c.req.header("prefer"));
    const latest = wait > 0 ? await waitUntil(wait, async () => (await withStores((stores) => stores.runs.get(run.hash)))!, (r) => FINAL.has(r.status), run) : run;
    const headers: Record<string, string> = { "cache-control": "no-store", ...(wait > 0 ? { "preference-applied": `wait=${wait}` } : {}) };
    const view = toRunView(latest);
    if (latest.status === "succeeded") return c.json(view, 200, headers);
    return c.json(view, 202, { ...headers, location: `/v1/runs/${run.hash}` });
  });

  const loadRun = async (hash: string) => {
    const run = await withStores((stores) => stores.runs.get(hash));
    if (!run) throw new AppError("not_found", `no run with hash ${hash}`);
    return toRunView(run);
  };

  app.get("/v1/runs", async (c) => {
    const query = parseOrThrow(listRunsSchema, c.req.query(), "query");
    return c.json(await withStores((stores) => stores.runs.list(query)), 200, { "cache-control": "no-store" });
  });

  app.get("/v1/runs/:hash", async (c) => {
    const hash = checkHash(c.req.param("hash"));
    const cached = notModified(c, hash);
    if (cached) return cached;
    const run = await loadRun(hash);
    return c.json(run, 200, cacheHeaders(run.status === "succeeded", run.hash));
  });

  for (const action of ["retry", "cancel"] as const) {
    app.post(`/v1/runs/:hash/${action}`, requireKey, async (c) => {
      const hash = checkHash(c.req.param("hash") ?? "");
      const changed = await withStores(async (stores) => {
        const row = await stores.runs[action](hash);
        if (row) return row;
        const run = await stores.runs.get(hash);
        if (!run) throw new AppError("not_found", `no run with hash ${hash}`);
        throw new AppError("conflict", `a ${run.status} run cannot be ${action === "retry" ? "retried" : "canceled"}`);
      });
      if (action === "retry" && changed.placement === "edge") await deps.wakeEdge?.(hash);
      return c.json(toRunView(changed), 200, { "cache-control": "no-store" });
    });
  }

  app.post("/v1/sweeps", requireKey, limitBody, async (c) => {
    const body = parseOrThrow(submitSchema, await readJson(c), "request");
    const sweep = underPath("/spec", () => parseSweepSpec(body.spec));
    const identity = await identifySweepSpec(sweep);
    const expanded = expandSweep(sweep);
    const members = await Promise.all(
      expanded.map(async (member, position) => {
        const run = await identifyRunSpec(member.spec);
        const placement = decidePlacement(member.spec, body.options.placement, config.EDGE_MAX_MACS);
        return { position, hash: run.hash, spec: JSON.parse(run.canonical), placement, pointIndex: member.pointIndex, repeat: member.repeat };
      }),
    );
    const { view, created } = await withStores(async (stores) => {
      const outcome = await stores.sweeps.submit({ hash: identity.hash, spec: JSON.parse(identity.canonical), members, queuedCap: config.QUEUED_CAP });
      const states = await stores.sweeps.members(identity.hash);
      return { created: outcome.created, view: toSweepView(outcome.sweep, sweep, expanded, states, await stores.sweeps.statusCounts(identity.hash)) };
    });
    if (created) {
      const onEdge = new Set(members.filter((member) => member.placement === "edge").map((member) => member.hash));
      for (const member of view.members) if (member.status === "queued" && onEdge.has(member.hash)) await deps.wakeEdge?.(member.hash);
    }
    const status = view.status === "succeeded" ? 200 : 202;
    return c.json(view, status, { location: `/v1/sweeps/${identity.hash}`, "cache-control": "no-store" });
  });

  const loadSweep = (hash: string) =>
    withStores(async (stores) => {
      const row = await stores.sweeps.get(hash);
      if (!row) throw new AppError("not_found", `no sweep with hash ${hash}`);
      const spec = parseSweepSpec(row.spec);
      return toSweepView(row, spec, expandSweep(spec), await stores.sweeps.members(hash), await stores.sweeps.statusCounts(hash));
    });
  // Only a succeeded sweep is immutable: a failed one changes when a member is retried.
  const sweepCaching = (status: string, etag: string) => cacheHeaders(status === "succeeded", etag);

  app.route("/v1/runner", createRunnerRoutes(config, withStores));
  app.route("/", createChartRoutes({ loadRun, loadSweep }));

  app.get("/v1/sweeps", async (c) => {
    const query = parseOrThrow(listSweepsSchema, c.req.query(), "query");
    return c.json(await withStores((stores) => stores.sweeps.list(query)), 200, { "cache-control": "no-store" });
  });

  app.get("/v1/sweeps/:hash", async (c) => {
    const view = await loadSweep(checkHash(c.req.param("hash")));
    return c.json(view, 200, sweepCaching(view.status, view.hash));
  });

  app.get("/v1/sweeps/:hash/table.csv", async (c) => {
    const view = await loadSweep(checkHash(c.req.param("hash") ?? ""));
    return c.body(toAggregateCsv(view.aggregate), 200, { "content-type": "text/csv; charset=utf-8", ...sweepCaching(view.status, `${view.hash}.csv`) });
  });

  return app;
}
