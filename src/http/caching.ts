import type { Context } from "hono";

/** A final result never changes, so its representations are cached for a year (docs/architecture.md, Caching). */
export const IMMUTABLE = "public, max-age=31536000, immutable";

/** Headers for a representation: immutable with an ETag once final, else never stored. */
export const cacheHeaders = (final: boolean, etag: string): Record<string, string> =>
  final ? { etag: `"${etag}"`, "cache-control": IMMUTABLE } : { "cache-control": "no-store" };

/** ETags are only issued for immutable representations, so a matching one is answered without loading. */
export function notModified(c: Context, etag: string): Response | null {
  return c.req.header("if-none-match") === `"${etag}"` ? c.body(null, 304, { etag: `"${etag}"`, "cache-control": IMMUTABLE }) : null;
}
