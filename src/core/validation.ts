import type { z } from "zod";
import { AppError, type FieldError } from "./errors.js";

/** RFC 6901 JSON Pointer for a zod path: `["grid", "pruning.density", 2]` → `/grid/pruning.density/2`. */
export function toJsonPointer(path: readonly PropertyKey[]): string {
  return path.map((key) => "/" + String(key).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}

/** Flattens zod issues into field errors; an unknown key is reported at its own path, not its parent's. */
export function toFieldErrors(error: z.ZodError, prefix: readonly PropertyKey[] = []): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ path: toJsonPointer([...path, key]), message: "unknown field" });
    } else {
      out.push({ path: toJsonPointer(path), message: issue.message });
    }
  }
  return out;
}

/** Parses with a zod schema or throws `validation_failed` carrying every field error. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const errors = toFieldErrors(parsed.error);
  const first = errors[0];
  const summary = first ? `${first.path || "(body)"}: ${first.message}` : "invalid";
  throw new AppError("validation_failed", `Invalid ${what}: ${summary}${errors.length > 1 ? ` (+${errors.length - 1} more)` : ""}`, {
    errors,
  });
}
