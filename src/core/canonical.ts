import canonicalize from "canonicalize";
import { DEFAULT_KIND, SPEC_VERSION, defaultsOf, kindDefaults, kindOf, type RunSpec } from "./kinds/index.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function jsonEqual(a: unknown, b: unknown): boolean {
  return canonicalize(a) === canonicalize(b);
}

/**
 * Drops every field equal to its default and every object left empty (docs/architecture.md,
 * Identity and hashing), so adding a field with a neutral default keeps every existing hash.
 */
export function omitDefaults(value: Record<string, unknown>, defaults: Record<string, unknown>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field === undefined) continue;
    const fallback = defaults[key];
    if (isPlainObject(field) && isPlainObject(fallback)) {
      const inner = omitDefaults(field, fallback);
      if (Object.keys(inner).length > 0) out[key] = inner;
    } else if (!jsonEqual(field, fallback)) {
      out[key] = field as Json;
    }
  }
  return out;
}

/** RFC 8785 (JCS) serialization: sorted keys, ECMAScript number formatting. */
export function toCanonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError("value has no JSON form");
  return text;
}

/** The canonical object of a run spec: `version` always, every other default of its kind omitted. */
export function toCanonicalRunSpec(spec: RunSpec): Record<string, Json> {
  // `kind` equals its own kind's default, so it is written back unless it is the default kind's.
  const canonical: Record<string, Json> = { ...omitDefaults(spec, defaultsOf(spec)), version: SPEC_VERSION };
  if (spec.kind !== DEFAULT_KIND) canonical.kind = spec.kind;
  // A field other defaults depend on (the image kind's arch and pruning method) is written
  // whenever it differs from the kind's own default, even though it equals "its own" default.
  const base = kindDefaults(spec.kind) as unknown as Record<string, Record<string, unknown>>;
  for (const [section, field] of kindOf(spec).selectors ?? []) {
    const value = (spec as unknown as Record<string, Record<string, Json>>)[section]![field]!;
    if (!jsonEqual(value, base[section]![field])) canonical[section] = { ...((canonical[section] as Record<string, Json>) ?? {}), [field]: value };
  }
  return canonical;
}

/** SHA-256 of the UTF-8 text as 64 lowercase hex digits, via Web Crypto (Node, workerd, browsers). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export { HASH_PATTERN } from "./hash-pattern.js";

export interface Identity<S> {
  hash: string;
  canonical: string;
  spec: S;
}

/** The identity of a parsed run spec: what `POST /v1/specs/hash` returns. */
export async function identifyRunSpec(spec: RunSpec): Promise<Identity<RunSpec>> {
  const canonical = toCanonicalJson(toCanonicalRunSpec(spec));
  return { hash: await sha256Hex(canonical), canonical, spec };
}
