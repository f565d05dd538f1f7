import { z } from "zod";
import { AppError, PLACEMENTS } from "../core/index.js";

/** `{ spec, options }`: what to compute, and how to run it (never part of the hash). */
export const submitSchema = z.strictObject({
  spec: z.unknown(),
  options: z.strictObject({ placement: z.enum(["auto", ...PLACEMENTS]).default("auto") }).prefault({}),
});

/** `Prefer: wait=N` (RFC 7240), N capped at 60 seconds; 0 when absent. */
export function preferredWaitSeconds(header: string | undefined): number {
  const match = /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?/i.exec(header ?? "");
  return match ? Math.min(60, Number(match[1])) : 0;
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
