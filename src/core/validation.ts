import { closest, distance } from "fastest-levenshtein";
import { z } from "zod";
import { AppError, type ErrorCode, type FieldError } from "./errors.js";

/** RFC 6901 JSON Pointer for a zod path: `["grid", "pruning.density", 2]` → `/grid/pruning.density/2`. */
export function toJsonPointer(path: readonly PropertyKey[]): string {
  return path.map((key) => "/" + String(key).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}

type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; out?: z.ZodType; options?: z.ZodType[]; shape?: Record<string, z.ZodType> };
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/**
 * The field names an object schema declares at `path` (through defaults, pipes, preprocessing and
 * unions), or none where the path does not lead to an object: what an unknown field is compared with.
 */
export function declaredKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const def = defOf(schema);
  switch (def.type) {
    case "object": {
      if (path.length === 0) return Object.keys(def.shape ?? {});
      const field = def.shape?.[String(path[0])];
      return field ? declaredKeysAt(field, path.slice(1)) : [];
    }
    case "union":
      return [...new Set((def.options ?? []).flatMap((option) => declaredKeysAt(option, path)))];
    case "pipe":
      return [...new Set([...declaredKeysAt(def.in!, path), ...(defOf(def.out!).type === "transform" ? [] : declaredKeysAt(def.out!, path))])];
    default:
      return def.innerType ? declaredKeysAt(def.innerType, path) : [];
  }
}

/**
 * The name among `names` that `key` most likely misspells: one that differs only in case, else the
 * nearest by edit distance when it is within `maxDistance(nearest)`; undefined when none is close.
 */
export function nearestName(key: string, names: readonly string[], maxDistance: (near: string) => number): string | undefined {
  if (names.length === 0) return undefined;
  const sameLetters = names.find((name) => name.toLowerCase() === key.toLowerCase());
  if (sameLetters) return sameLetters;
  const near = closest(key, [...names]);
  return distance(key, near) <= maxDistance(near) ? near : undefined;
}

/** ` (did you mean "patchDim"?)` when one declared name is a likely misspelling of `key`. */
function suggestion(key: string, declared: string[]): string {
  const near = nearestName(key, declared, (name) => Math.max(1, Math.floor(name.length / 3)));
  return near ? ` (did you mean "${near}"?)` : "";
}

/**
 * Flattens zod issues into field errors; an unknown key is reported at its own path, not its
 * parent's, with the declared name it most likely meant when `schema` is given.
 */
export function toFieldErrors(error: z.ZodError, prefix: readonly PropertyKey[] = [], schema?: z.ZodType): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      const declared = schema ? declaredKeysAt(schema, issue.path) : [];
      for (const key of issue.keys) {
        // a field another member of a union declares (IMP's `rate` under random pruning) is known, just not here
        const message = declared.includes(key) ? "not a field of this variant (see its other fields)" : `unknown field${suggestion(key, declared)}`;
        out.push({ path: toJsonPointer([...path, key]), message });
      }
    } else if (issue.code === "invalid_type" && / received undefined$/.test(issue.message)) {
      out.push({ path: toJsonPointer(path), message: `required (${issue.message.replace(/^Invalid input: /, "").replace(/, received undefined$/, "")})` });
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

/** A `code` error (`validation_failed` unless told) carrying every field error; its message names the first. */
export function validationFailed(what: string, errors: FieldError[], code: ErrorCode = "validation_failed"): AppError {
  const first = errors[0];
  const summary = first ? `${first.path || "(body)"}: ${first.message}` : "invalid";
  return new AppError(code, `Invalid ${what}: ${summary}${errors.length > 1 ? ` (+${errors.length - 1} more)` : ""}`, { errors });
}

/**
 * Parses with a zod schema or throws `code` (`validation_failed` for bodies, `invalid_query` for
 * query parameters) carrying every field error.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string, code: ErrorCode = "validation_failed"): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw validationFailed(what, toFieldErrors(parsed.error, [], schema), code);
}

/** Parses configuration (environment variables, Worker bindings) or throws `misconfigured` naming every invalid key. */
export function parseConfigOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new AppError("misconfigured", `${what}: ${describeIssues(parsed.error)}`);
}

/** A PostgreSQL connection string (`postgres://` or `postgresql://`), for the Worker and the Node tools alike. */
export const databaseUrlSchema = z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL");

/** U+0000: PostgreSQL's text and jsonb refuse it, so no stored string may hold one. */
const NUL = /\u0000/g;

/** A bounded string that must not contain U+0000 (refused with a message, not a database error). */
export const storableText = (max: number) => z.string().max(max).refine((value) => !value.includes("\u0000"), "must not contain the NUL character (U+0000)");

/** A bounded free-text string in which U+0000 is replaced by U+FFFD, so text such as an error message is stored, not refused. */
export const cleanedText = (max: number) => z.string().transform((value) => value.replace(NUL, "\uFFFD")).pipe(z.string().max(max));
