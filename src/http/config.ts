import { z } from "zod";
import { parseConfigOrThrow } from "../core/index.js";

const list = z
  .string()
  .optional()
  .transform((value) => (value ? value.split(",").map((item) => item.trim()).filter(Boolean) : []));

/** Everything the HTTP layer reads from its environment, parsed once (nothing else reads env: docs/architecture.md, House rules). */
export const apiConfigSchema = z.object({
  /** Bearer keys allowed to write; none configured means writes are open (local use). */
  API_KEYS: list,
  /** Token an operator presents to purge cached representations; unset closes that endpoint. */
  ADMIN_TOKEN: z.string().min(16).optional(),
  /** Token the companion runners present. */
  RUNNER_TOKEN: z.string().min(16).optional(),
  /** Queued runs at most; past it submissions get 429. */
  QUEUED_CAP: z.coerce.number().int().positive().default(1000),
  /**
   * Largest job placed on the edge, in multiply-adds: ~50 s of the Worker's CPU at the ~1e10
   * MAC/s measured for the engine in workerd (docs/decisions/003), well under its CPU limit.
   */
  EDGE_MAX_MACS: z.coerce.number().positive().default(5e11),
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(1024 * 1024),
  /** Results are larger than specs: up to 10⁴ curve points. */
  MAX_RESULT_BYTES: z.coerce.number().int().positive().default(16 * 1024 * 1024),
  /** Lease lengths runners may ask for are clamped to [min, max]; short minimums are for tests. */
  LEASE_MIN_SECONDS: z.coerce.number().positive().default(5),
  LEASE_MAX_SECONDS: z.coerce.number().positive().default(600),
  LEASE_DEFAULT_SECONDS: z.coerce.number().positive().default(60),
  /** Attempts of a job (expired leases and retryable failures) before it is failed. */
  MAX_ATTEMPTS: z.coerce.number().int().positive().default(3),
});

export type ApiConfig = z.output<typeof apiConfigSchema>;

export function parseApiConfig(env: Record<string, unknown>): ApiConfig {
  return parseConfigOrThrow(apiConfigSchema, env, "invalid configuration");
}
