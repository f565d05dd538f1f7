import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { AppError, parseOrThrow, provenanceSchema, runErrorSchema, runResultSchema } from "../core/index.js";
import type { ApiConfig } from "./config.js";
import type { Stores } from "./app.js";
import { checkHash, readJson } from "./request.js";

const leaseRequestSchema = z.strictObject({
  runnerId: z.string().min(1).max(128),
  max: z.int().min(1).max(64).default(1),
  capabilities: z.strictObject({ backends: z.array(z.string().max(32)).max(8).default(["wasm"]) }).prefault({}),
  leaseSeconds: z.number().positive().optional(),
});
const heartbeatSchema = z.strictObject({ leaseId: z.uuid(), step: z.int().min(0).optional(), leaseSeconds: z.number().positive().optional() });
const completeSchema = z.strictObject({ leaseId: z.uuid(), result: runResultSchema, provenance: provenanceSchema });
const failSchema = z.strictObject({ leaseId: z.uuid(), error: runErrorSchema.omit({ retryable: true }), retryable: z.boolean() });

const leaseLost = (hash: string) => new AppError("lease_lost", `the lease on ${hash} is no longer held: stop and discard the work`);

/**
 * The runner protocol (DESIGN §5, §6): lease `runner` jobs, heartbeat, complete or fail, always
 * with the lease id; 409 `lease_lost` when the lease is no longer held. Every call needs the runner
 * token; without one configured the protocol is closed.
 */
export function createRunnerRoutes(config: ApiConfig, withStores: <T>(fn: (stores: Stores) => Promise<T>) => Promise<T>) {
  const routes = new Hono();
  const leaseMs = (seconds?: number) => 1000 * Math.min(config.LEASE_MAX_SECONDS, Math.max(config.LEASE_MIN_SECONDS, seconds ?? config.LEASE_DEFAULT_SECONDS));

  routes.use("*", async (c, next) => {
    if (!config.RUNNER_TOKEN) throw new AppError("forbidden", "runner endpoints are closed: this API has no RUNNER_TOKEN configured");
    const token = /^Bearer (.+)$/.exec(c.req.header("authorization") ?? "")?.[1];
    if (token !== config.RUNNER_TOKEN) throw new AppError("unauthorized", "send the runner token as Authorization: Bearer <token>");
    await next();
  });
  const limit = (bytes: number) =>
    bodyLimit({
      maxSize: bytes,
      onError: () => {
        throw new AppError("payload_too_large", `the body is larger than ${bytes} bytes`);
      },
    });

  routes.post("/lease", limit(config.MAX_BODY_BYTES), async (c) => {
    const body = parseOrThrow(leaseRequestSchema, await readJson(c), "lease request");
    const jobs = await withStores(async (stores) => {
      // Requeue expired leases first, so runners never depend on the cron to get a dead runner's job.
      await stores.runs.expireLeases(config.MAX_ATTEMPTS);
      return stores.runs.claim({ placement: "runner", holder: body.runnerId, max: body.max, leaseMs: leaseMs(body.leaseSeconds) });
    });
    if (jobs.length === 0) return c.body(null, 204);
    return c.json({ jobs: jobs.map((job) => ({ hash: job.hash, leaseId: job.leaseId, leaseUntil: job.leaseUntil.toISOString(), spec: job.spec, attempts: job.attempts })) });
  });

  routes.post("/jobs/:hash/heartbeat", limit(config.MAX_BODY_BYTES), async (c) => {
    const hash = checkHash(c.req.param("hash"));
    const body = parseOrThrow(heartbeatSchema, await readJson(c), "heartbeat");
    const row = await withStores((stores) => stores.runs.heartbeat({ hash, leaseId: body.leaseId, leaseMs: leaseMs(body.leaseSeconds), ...(body.step === undefined ? {} : { progressStep: body.step }) }));
    if (!row) throw leaseLost(hash);
    return c.json({ hash, leaseUntil: row.leaseUntil!.toISOString() });
  });

  routes.post("/jobs/:hash/complete", limit(config.MAX_RESULT_BYTES), async (c) => {
    const hash = checkHash(c.req.param("hash"));
    const body = parseOrThrow(completeSchema, await readJson(c), "result");
    const row = await withStores((stores) => stores.runs.complete({ hash, leaseId: body.leaseId, result: body.result, provenance: body.provenance }));
    if (!row) throw leaseLost(hash);
    return c.json({ hash, status: row.status });
  });

  routes.post("/jobs/:hash/fail", limit(config.MAX_BODY_BYTES), async (c) => {
    const hash = checkHash(c.req.param("hash"));
    const body = parseOrThrow(failSchema, await readJson(c), "failure");
    const row = await withStores((stores) => stores.runs.fail({ hash, leaseId: body.leaseId, error: { ...body.error, retryable: body.retryable } }));
    if (!row) throw leaseLost(hash);
    return c.json({ hash, status: row.status });
  });

  return routes;
}
