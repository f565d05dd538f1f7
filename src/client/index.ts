import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./schema.js";

/**
 * The typed prunelab client, generated from openapi.yaml (`npm run client:generate` writes
 * schema.d.ts; a test fails when it drifts). Paths, bodies and responses are checked by the
 * compiler: `client.POST("/v1/runs", { body: { spec } })`.
 */
export type PrunelabClient = Client<paths>;
export type Schemas = components["schemas"];
export type Run = Schemas["Run"];
export type Sweep = Schemas["Sweep"];
export type Problem = Schemas["Problem"];
export type { paths, components };

export interface ClientOptions {
  /** Bearer key for writes, or the runner token for runner calls. */
  token?: string;
  fetch?: typeof fetch;
}

export function createPrunelabClient(baseUrl: string, options: ClientOptions = {}): PrunelabClient {
  return createClient<paths>({
    baseUrl: baseUrl.replace(/\/$/, ""),
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** Thrown by `expectOk` for a problem response, carrying it. */
export class ProblemError extends Error {
  constructor(readonly status: number, readonly problem: Problem | undefined) {
    super(problem ? `${problem.title} (${status}): ${problem.detail}` : `HTTP ${status}`);
    this.name = "ProblemError";
  }
}

/** The data of an openapi-fetch result, or a ProblemError for its problem. */
export function expectOk<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || result.data === undefined) throw new ProblemError(result.response.status, result.error as Problem | undefined);
  return result.data;
}
