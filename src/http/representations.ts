import type { Context, Hono } from "hono";
import { AppError, describeRunSpec, runChartOf, sweepChartOf, sweepMapOf, sweepSubject, type VegaLiteSpec } from "../core/index.js";
import { cacheHeaders, notModified, type Resource } from "./caching.js";
import type { ViewLoaders } from "./loaders.js";
import { presetWithHash } from "./presets.js";
import { checkHash } from "./request.js";
import type { SweepView } from "./sweeps.js";
import type { RunView } from "./views.js";

/** `<preset>: <title>` when the hash is a preset's, else the fallback. */
export async function titleFor(hash: string, fallback: string): Promise<string> {
  const preset = await presetWithHash(hash);
  return preset ? `${preset.name}: ${preset.title}` : fallback;
}

export async function sweepChartFor(view: SweepView): Promise<VegaLiteSpec> {
  const title = await titleFor(view.hash, `Sweep ${view.hash.slice(0, 12)}: ${sweepSubject(view.spec, view.aggregate)}`);
  const subtitle = `${view.spec.repeats} repeats per point (seeds from ${view.spec.base.seed}) · ${describeRunSpec(view.spec.base, [...Object.keys(view.spec.grid), "seed"])}`;
  return sweepChartOf(view.spec, view.aggregate, title, subtitle);
}

/** A sweep's regime map (docs/decisions/015-paired-comparisons-and-regime-maps.md), or null when it has none. */
export async function sweepMapOrNull(view: SweepView): Promise<VegaLiteSpec | null> {
  const title = await titleFor(view.hash, `Sweep ${view.hash.slice(0, 12)}: regime map`);
  const subtitle = `${view.spec.repeats} repeats per point (seeds from ${view.spec.base.seed}) · ${describeRunSpec(view.spec.base, [...Object.keys(view.spec.grid), "seed"])}`;
  return sweepMapOf(view.spec, view.aggregate, title, subtitle);
}

/** A sweep's regime map; 404 when the sweep has none. */
export async function sweepMapFor(view: SweepView): Promise<VegaLiteSpec> {
  const map = await sweepMapOrNull(view);
  if (!map) {
    throw new AppError("not_found", `sweep ${view.hash} has no regime map: a map needs exactly two grid axes with more than one numeric value each (and one aggregate row per cell)`);
  }
  return map;
}

export async function runChartFor(view: RunView): Promise<VegaLiteSpec> {
  if (!view.result) throw new AppError("conflict", `run ${view.hash} is ${view.status} and has no result to chart yet`);
  const title = await titleFor(view.hash, `Run ${view.hash.slice(0, 12)}: training curves`);
  return runChartOf(view.spec, view.result, title, describeRunSpec(view.spec));
}

type Respond<V> = (c: Context, view: V, headers: Record<string, string>) => Promise<Response>;

/**
 * Registers the GET routes of one representation (a chart, a page) for runs and for sweeps, at
 * distinct paths: one representation per URL, so each caches on its own (docs/architecture.md,
 * Caching). A final view is immutable and tagged; a matching ETag of a final view is answered 304.
 * Only a succeeded run or sweep is final: a failed sweep changes when a member is retried.
 */
export function serveRepresentation(
  routes: Hono,
  loaders: ViewLoaders,
  paths: { runs: string; sweeps: string },
  representation: string,
  respond: { run: Respond<RunView>; sweep: Respond<SweepView> },
) {
  serveSweepRepresentation(routes, loaders, paths.sweeps, representation, respond.sweep);
  serveOne(routes, paths.runs, "run", loaders.loadRun, representation, respond.run);
}

/** Registers a representation that only sweeps have (their regime map), cached as `serveRepresentation`'s. */
export function serveSweepRepresentation(routes: Hono, loaders: ViewLoaders, path: string, representation: string, respond: Respond<SweepView>) {
  serveOne(routes, path, "sweep", loaders.loadSweep, representation, respond);
}

function serveOne<V extends { status: string }>(routes: Hono, path: string, resource: Resource, load: (hash: string) => Promise<V>, representation: string, answer: Respond<V>) {
  routes.get(path, async (c) => {
    const hash = checkHash(c.req.param("hash") ?? "");
    const etag = `${hash}.${representation}`;
    const view = await load(hash);
    const final = view.status === "succeeded";
    return notModified(c, final, etag, resource) ?? answer(c, view, cacheHeaders(final, etag, resource));
  });
}
