import { z } from "zod";
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

/** U+0000: PostgreSQL's text and jsonb refuse it, so no stored string may hold one. */
const NUL = /\u0000/g;

/** A bounded string that must not contain U+0000 (refused with a message, not a database error). */
export const storableText = (max: number) => z.string().max(max).refine((value) => !value.includes("\u0000"), "must not contain the NUL character (U+0000)");

/** A bounded free-text string in which U+0000 is replaced by U+FFFD, so text such as an error message is stored, not refused. */
export const cleanedText = (max: number) => z.string().transform((value) => value.replace(NUL, "\uFFFD")).pipe(z.string().max(max));
