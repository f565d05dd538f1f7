import { Hono, type MiddlewareHandler } from "hono";
import { z } from "zod";
import { AppError, cleanedText, epochProgressSchema, parseOrThrow, partialResultSchema, provenanceSchema, runErrorReportSchema, storableText } from "../../core/index.js";
import type { JobService } from "../../service/index.js";
import type { ApiConfig } from "../config.js";
import { bearerToken, limitBody, matchesSecret } from "../middleware.js";
import { checkHash, readJson } from "../request.js";

/** Protocol answers belong to one runner and one moment: never stored by any cache. */
const NO_STORE = { "cache-control": "no-store" };

/** Names a runner declares: what it can train (docs/runner.md, The protocol). Unknown names are kept: they match no job. */
const names = (max: number) => z.array(storableText(32).min(1)).max(max);

const leaseRequestSchema = z.strictObject({
  runnerId: storableText(128).min(1),
  max: z.int().min(1).max(64).default(1),
  // A runner that declares no kinds is one written before kinds existed: it trains synthetic jobs only.
  capabilities: z
    .strictObject({
      backends: names(8).default(["wasm"]),
      kinds: names(16).default(["synthetic"]),
      archs: names(64).default([]),
      datasets: names(64).default([]),
    })
    .prefault({}),
  leaseSeconds: z.number().positive().optional(),
});
const heartbeatSchema = z.strictObject({
  leaseId: z.uuid(),
  // progress is JSON in the database: any step a JSON number holds exactly
  step: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  progress: epochProgressSchema.optional(),
  leaseSeconds: z.number().positive().optional(),
});
const partialSchema = z.strictObject({ leaseId: z.uuid(), partial: partialResultSchema });
// The result is checked by the service against the stored spec's kind (SyntheticRunResult or ImageRunResult), with precise paths.
const completeSchema = z.strictObject({ leaseId: z.uuid(), result: z.record(z.string(), z.unknown()), provenance: provenanceSchema });
// A runner reports whatever its trainer said: NUL in the message is replaced, so the failure is stored.
const failSchema = z.strictObject({ leaseId: z.uuid(), error: runErrorReportSchema.extend({ message: cleanedText(4000) }), retryable: z.boolean() });

/**
 * The runner protocol (docs/architecture.md, Life of a job; docs/runner.md): lease `runner` jobs
 * (only those the runner can train), heartbeat with progress, report partial results, complete
 * or fail, always with the lease id; 409 `lease_lost` when the lease is no
 * longer held. Every call needs the runner token; without one configured the protocol is closed.
 */
export function createRunnerRoutes(service: JobService, config: ApiConfig) {
  const routes = new Hono();

  const runnerOnly: MiddlewareHandler = async (c, next) => {
    if (!config.RUNNER_TOKEN) throw new AppError("forbidden", "runner endpoints are closed: this API has no RUNNER_TOKEN configured");
    if (!(await matchesSecret(bearerToken(c), [config.RUNNER_TOKEN]))) throw new AppError("unauthorized", "send the runner token as Authorization: Bearer <token>");
    await next();
  };
  // On the protocol's own paths only: any other path under /v1/runner is not found, whoever asks.
  routes.use("/lease", runnerOnly);
  routes.use("/jobs/:hash/:action{heartbeat|partial|complete|fail}", runnerOnly);

  routes.post("/lease", limitBody(config.MAX_BODY_BYTES), async (c) => {
    const body = parseOrThrow(leaseRequestSchema, await readJson(c), "lease request");
    const jobs = await service.leaseRunnerJobs(body);
    if (jobs.length === 0) return c.body(null, 204, NO_STORE);
    return c.json(
      { jobs: jobs.map((job) => ({ hash: job.hash, leaseId: job.leaseId, leaseUntil: job.leaseUntil.toISOString(), spec: job.spec, attempts: job.attempts, partial: job.partial ?? null })) },
      200,
      NO_STORE,
    );
  });

  routes.post("/jobs/:hash/heartbeat", limitBody(config.MAX_BODY_BYTES), async (c) => {
    const hash = checkHash(c.req.param("hash"));
    const body = parseOrThrow(heartbeatSchema, await readJson(c), "heartbeat");
    const leaseUntil = await service.heartbeat({ hash, ...body });
    return c.json({ hash, leaseUntil: leaseUntil.toISOString() }, 200, NO_STORE);
  });

  // A partial result holds an IMP trajectory's finished levels and a checkpoint of bit-packed masks: result-sized.
  routes.post("/jobs/:hash/partial", limitBody(config.MAX_RESULT_BYTES), async (c) => {
    const hash = checkHash(c.req.param("hash"));
    const body = parseOrThrow(partialSchema, await readJson(c), "partial result");
    const row = await service.savePartial({ hash, ...body });
    return c.json({ hash, status: row.status }, 200, NO_STORE);
  });

  routes.post("/jobs/:hash/complete", limitBody(config.MAX_RESULT_BYTES), async (c) => {
    const hash = checkHash(c.req.param("hash"));
    const body = parseOrThrow(completeSchema, await readJson(c), "result");
    const row = await service.complete({ hash, ...body });
    return c.json({ hash, status: row.status }, 200, NO_STORE);
  });

  routes.post("/jobs/:hash/fail", limitBody(config.MAX_BODY_BYTES), async (c) => {
    const hash = checkHash(c.req.param("hash"));
    const body = parseOrThrow(failSchema, await readJson(c), "failure");
    const row = await service.fail({ hash, leaseId: body.leaseId, error: { ...body.error, retryable: body.retryable } });
    return c.json({ hash, status: row.status }, 200, NO_STORE);
  });

  return routes;
}
