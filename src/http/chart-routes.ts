import { Hono, type Context } from "hono";
import { renderSvg } from "../charts/svg.js";
import {
  AppError,
  describeRunSpec,
  runChart,
  sweepAxis,
  sweepChart,
  type RunResult,
  type VegaLiteSpec,
} from "../core/index.js";
import { cacheHeaders, notModified, type Resource } from "./caching.js";
import { PAGE_CSP, runPage, sweepPage } from "./pages.js";
import { presetWithHash } from "./presets.js";
import { checkHash } from "./request.js";
import type { SweepView } from "./sweeps.js";
import type { RunView } from "./views.js";

export interface ChartSources {
  loadRun(hash: string): Promise<RunView>;
  loadSweep(hash: string): Promise<SweepView>;
}

/** `<preset>: <title>` when the hash is a preset's, else the fallback. */
async function titleFor(hash: string, fallback: string): Promise<string> {
  const preset = await presetWithHash(hash);
  return preset ? `${preset.name}: ${preset.title}` : fallback;
}

async function sweepChartFor(view: SweepView): Promise<VegaLiteSpec> {
  const title = await titleFor(view.hash, `Sweep ${view.hash.slice(0, 12)}: final error against ${sweepAxis(view.spec).title.split(" (")[0]}`);
  const subtitle = `${view.spec.repeats} repeats per point (seeds from ${view.spec.base.seed}) · ${describeRunSpec(view.spec.base, [...Object.keys(view.spec.grid), "seed"])}`;
  return sweepChart(view.spec, view.aggregate, title, subtitle);
}

async function runChartFor(view: RunView): Promise<VegaLiteSpec> {
  if (!view.result) throw new AppError("conflict", `run ${view.hash} is ${view.status} and has no result to chart yet`);
  const title = await titleFor(view.hash, `Run ${view.hash.slice(0, 12)}: training curves`);
  return runChart(view.result as RunResult, title, describeRunSpec(view.spec));
}

const runIsFinal = (view: RunView) => view.status === "succeeded";
// Only a succeeded sweep is immutable: a failed one changes when a member is retried.
const sweepIsFinal = (view: SweepView) => view.status === "succeeded";

const SVG = "image/svg+xml; charset=utf-8";

/**
 * Charts (Vega-Lite JSON and rendered SVG) and the human pages, at distinct paths (DESIGN §5):
 * one representation per URL, so each caches on its own.
 */
export function createChartRoutes(sources: ChartSources) {
  const app = new Hono();
  /** One representation of a run or sweep: 304 from the ETag alone, else load, render and tag when final. */
  function serve<V>(path: string, representation: string, resource: Resource, load: (hash: string) => Promise<V>, isFinal: (view: V) => boolean, respond: (c: Context, view: V, headers: Record<string, string>) => Promise<Response>) {
    app.get(path, async (c) => {
      const hash = checkHash(c.req.param("hash") ?? "");
      const etag = `${hash}.${representation}`;
      const cached = notModified(c, etag, resource);
      if (cached) return cached;
      const view = await load(hash);
      return respond(c, view, cacheHeaders(isFinal(view), etag, resource));
    });
  }
  const sweep = ["sweeps", "sweep", sources.loadSweep, sweepIsFinal] as const;
  const run = ["runs", "run", sources.loadRun, runIsFinal] as const;

  serve(`/v1/${sweep[0]}/:hash/chart.json`, "chart.json", sweep[1], sweep[2], sweep[3], async (c, view, headers) => c.json(await sweepChartFor(view), 200, headers));
  serve(`/v1/${sweep[0]}/:hash/chart.svg`, "chart.svg", sweep[1], sweep[2], sweep[3], async (c, view, headers) =>
    c.body(await renderSvg(await sweepChartFor(view)), 200, { "content-type": SVG, ...headers }),
  );
  serve(`/v1/${run[0]}/:hash/chart.json`, "chart.json", run[1], run[2], run[3], async (c, view, headers) => c.json(await runChartFor(view), 200, headers));
  serve(`/v1/${run[0]}/:hash/chart.svg`, "chart.svg", run[1], run[2], run[3], async (c, view, headers) =>
    c.body(await renderSvg(await runChartFor(view)), 200, { "content-type": SVG, ...headers }),
  );
  serve(`/view/${sweep[0]}/:hash`, "view", sweep[1], sweep[2], sweep[3], async (c, view, headers) => {
    const svg = view.aggregate.some((row) => row.completed > 0) ? await renderSvg(await sweepChartFor(view)) : null;
    return c.html(sweepPage(view, svg, await titleFor(view.hash, `Sweep ${view.hash.slice(0, 12)}`)), 200, { "content-security-policy": PAGE_CSP, ...headers });
  });
  serve(`/view/${run[0]}/:hash`, "view", run[1], run[2], run[3], async (c, view, headers) => {
    const svg = view.result ? await renderSvg(await runChartFor(view)) : null;
    return c.html(runPage(view, svg, await titleFor(view.hash, `Run ${view.hash.slice(0, 12)}`)), 200, { "content-security-policy": PAGE_CSP, ...headers });
  });

  return app;
}
