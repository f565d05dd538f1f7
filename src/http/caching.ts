import type { Context } from "hono";

/**
 * Caching of immutable representations (docs/architecture.md, Caching; docs/decisions/005, 006,
 * 008): a final result never
 * changes, so its representations are cached for a year, by Workers Cache in front of the Worker
 * and by the Worker's own Cache API entries behind it. Everything else is `no-store`.
 */
export const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * Bump when the bytes served for an immutable result change (a new field in a view, a chart's
 * look). The Worker's Cache API key carries it, so the Worker's cache misses once and keeps the new
 * representation; Workers Cache keys by URL only, so its entries are purged by the tag of the
 * previous version (`v<N>`, see `cacheTags` and docs/decisions/008).
 */
export const REPRESENTATION_VERSION = 6;

/** What a representation belongs to: its kind tag is its ETag with the hash replaced by this. */
export type Resource = "run" | "sweep";

/**
 * The `Cache-Tag` of an immutable representation, from its ETag (`<hash>`, `<hash>.csv`,
 * `<hash>.chart.svg`, `<hash>.view`, …): the hash, to purge every representation of one result;
 * the kind (`run`, `sweep.csv`, `run.chart.svg`, `sweep.view`, …), to purge one representation of
 * every result, when the caller names the resource; and `v<REPRESENTATION_VERSION>`, to purge every
 * representation of one version. Comma-separated, printable ASCII, case-insensitive at purge time.
 */
export function cacheTags(etag: string, resource?: Resource): string {
  const [hash, ...representation] = etag.split(".");
  const kind = resource ? [resource, ...representation].join(".") : null;
  return [hash, kind, `v${REPRESENTATION_VERSION}`].filter(Boolean).join(",");
}

const immutableHeaders = (etag: string, resource?: Resource): Record<string, string> => ({
  etag: `"${etag}"`,
  "cache-control": IMMUTABLE,
  "cache-tag": cacheTags(etag, resource),
});

/** Headers for a representation: immutable with an ETag and tags once final, else never stored. */
export const cacheHeaders = (final: boolean, etag: string, resource?: Resource): Record<string, string> =>
  final ? immutableHeaders(etag, resource) : { "cache-control": "no-store" };

/**
 * A 304 for a final representation whose ETag the client already holds, with the same caching
 * headers as the 200 (docs/decisions/008). Asked only after the representation was loaded and found
 * final: an ETag names a hash, and a hash alone does not say the run exists or has succeeded.
 */
export function notModified(c: Context, final: boolean, etag: string, resource?: Resource): Response | null {
  return final && c.req.header("if-none-match") === `"${etag}"` ? c.body(null, 304, immutableHeaders(etag, resource)) : null;
}

/** Every path at which a run's or sweep's immutable representations are served: what a purge of one hash removes. */
export function representationPaths(hash: string): string[] {
  return ["runs", "sweeps"].flatMap((resource) => [
    `/v1/${resource}/${hash}`,
    `/v1/${resource}/${hash}/chart.json`,
    `/v1/${resource}/${hash}/chart.svg`,
    `/view/${resource}/${hash}`,
    ...(resource === "sweeps" ? [`/v1/sweeps/${hash}/table.csv`, `/v1/sweeps/${hash}/map.json`, `/v1/sweeps/${hash}/map.svg`] : []),
  ]);
}

/**
 * The key of a representation in the Worker's Cache API: the path alone (these routes read no
 * query, so `?anything` must not force a new render) and the representation version, so a new
 * field or chart reaches readers.
 */
export const cacheApiKey = (origin: string, path: string): string => `${origin}${path}?representation=${REPRESENTATION_VERSION}`;
