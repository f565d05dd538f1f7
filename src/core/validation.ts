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

/**
 * Every issue on one line, `KEY: message; KEY: message`, with dotted paths: for configuration and
 * command lines, where a person reads the message in a log or a terminal. Request bodies get field
 * errors with JSON Pointers instead (`toFieldErrors`).
 */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.map(String).join(".") || "(root)"}: ${issue.message}`).join("; ");
}

/** A `validation_failed` error carrying every field error; its message names the first. */
export function validationFailed(what: string, errors: FieldError[]): AppError {
  const first = errors[0];
  const summary = first ? `${first.path || "(body)"}: ${first.message}` : "invalid";
  return new AppError("validation_failed", `Invalid ${what}: ${summary}${errors.length > 1 ? ` (+${errors.length - 1} more)` : ""}`, { errors });
}

/** Parses with a zod schema or throws `validation_failed` carrying every field error. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw validationFailed(what, toFieldErrors(parsed.error));
}

/** Parses configuration (environment variables, Worker bindings) or throws `misconfigured` naming every invalid key. */
export function parseConfigOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new AppError("misconfigured", `${what}: ${describeIssues(parsed.error)}`);
}

/** A PostgreSQL connection string (`postgres://` or `postgresql://`), for the Worker and the Node tools alike. */
export const databaseUrlSchema = z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL");
