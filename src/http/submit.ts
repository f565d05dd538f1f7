import { z } from "zod";
import { AppError, PLACEMENTS } from "../core/index.js";

/** `{ spec, options }`: what to compute, and how to run it (never part of the hash). */
export const submitSchema = z.strictObject({
  spec: z.unknown(),
  options: z.strictObject({ placement: z.enum(["auto", ...PLACEMENTS]).default("auto") }).prefault({}),
});

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
