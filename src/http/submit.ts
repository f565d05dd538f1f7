import { z } from "zod";
import { AppError, PLACEMENTS, parseOrThrow } from "../core/index.js";

/** `{ spec, options }`: what to compute, and how to run it (never part of the hash). */
export const submitSchema = z.strictObject({
  spec: z.unknown(),
  options: z.strictObject({ placement: z.enum(["auto", ...PLACEMENTS]).default("auto") }).prefault({}),
});

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
/** Fields that only a spec has at its top level: a body with them and no `spec` is a bare spec. */
const BARE_SPEC_FIELDS = { run: ["version", "kind", "seed", "data", "model", "pruning", "training"], sweep: ["base", "grid", "repeats"] };

/**
 * Parses `{ spec, options }`, saying plainly what is wrong when the wrapper itself is missing —
 * the most common first mistake is to send the spec alone.
 */
export function parseSubmission(body: unknown, what: "run" | "sweep"): z.output<typeof submitSchema> {
  if (isObject(body) && !("spec" in body)) {
    const bare = Object.keys(body).some((key) => BARE_SPEC_FIELDS[what].includes(key));
    const message = bare
      ? `missing: this body looks like a bare ${what} spec; send it as { "spec": <the ${what} spec> }`
      : `missing: the body is { "spec": <a ${what} spec>, "options"?: { "placement": "auto" | "edge" | "runner" } }`;
    throw new AppError("validation_failed", `Invalid request: /spec: ${message}`, { errors: [{ path: "/spec", message }] });
  }
  return parseOrThrow(submitSchema, body, "request");
}

/**
 * The spec of a body that is either a bare spec or `{ spec, options? }` (as `POST /v1/runs` takes
 * it), with the prefix under which its field errors are reported.
 */
export function unwrapSpec(body: unknown): { spec: unknown; prefix: string } {
  if (isObject(body) && "spec" in body && Object.keys(body).every((key) => key === "spec" || key === "options")) return { spec: body.spec, prefix: "/spec" };
  return { spec: body, prefix: "" };
}

/** The longest `Prefer: wait` honoured, in seconds. */
export const MAX_WAIT_SECONDS = 60;

/**
 * `Prefer: wait=N` (RFC 7240 §4.3) in whole seconds, capped at MAX_WAIT_SECONDS; 0 when absent or
 * not a number of seconds. The whole value is read (`wait=1e3` is 1000 s, capped — never 1), and a
 * preference that cannot be read is ignored, as RFC 7240 asks.
 */
export function preferredWaitSeconds(header: string | undefined): number {
  for (const preference of (header ?? "").split(",")) {
    const match = /^\s*wait\s*=\s*"?([^";\s]*)"?\s*(?:;.*)?$/i.exec(preference);
    if (!match) continue;
    const seconds = /^\d+(\.\d+)?(e\+?\d+)?$/i.test(match[1]!) ? Number(match[1]) : Number.NaN;
    return Number.isFinite(seconds) ? Math.min(MAX_WAIT_SECONDS, Math.ceil(seconds)) : 0;
  }
  return 0;
}

/** Re-roots field errors of a nested document (the spec inside a request body). */
export function underPath<T>(prefix: string, parse: () => T): T {
  if (!prefix) return parse();
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

export const pageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(64).optional(),
});
