import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { renderSvg } from "../../charts/svg.js";
import type { ViewLoaders } from "../loaders.js";
import { PAGE_CSP, errorPage, runPage, sweepPage } from "../pages.js";
import { problemFor } from "../problem.js";
import { runChartFor, serveRepresentation, sweepChartFor, sweepMapOrNull, titleFor } from "../representations.js";

/**
 * The human pages at /view/…: the chart as inline SVG and the tables, with no script. Every error
 * under /view is answered here as an HTML page with the problem's status (an unknown hash, a bad
 * one, an unreachable database), so a browser never shows raw problem JSON; /v1 keeps
 * problem+json (docs/decisions/006-charts-pages-and-cli.md).
 */
export function createPageRoutes(loaders: ViewLoaders) {
  const routes = new Hono();
  routes.onError((error, c) => {
    const { problem, headers } = problemFor(error);
    return c.html(errorPage(problem), problem.status as ContentfulStatusCode, { "content-security-policy": PAGE_CSP, "cache-control": "no-store", ...headers });
  });
  serveRepresentation(routes, loaders, { runs: "/runs/:hash", sweeps: "/sweeps/:hash" }, "view", {
    run: async (c, view, headers) => {
      const svg = view.result ? await renderSvg(await runChartFor(view)) : null;
      return c.html(runPage(view, svg, await titleFor(view.hash, `Run ${view.hash.slice(0, 12)}`)), 200, { "content-security-policy": PAGE_CSP, ...headers });
    },
    sweep: async (c, view, headers) => {
      const done = view.aggregate.some((row) => row.completed > 0);
      const svg = done ? await renderSvg(await sweepChartFor(view)) : null;
      const map = await sweepMapOrNull(view);
      const mapSvg = map && done ? await renderSvg(map) : null;
      const title = await titleFor(view.hash, `Sweep ${view.hash.slice(0, 12)}`);
      return c.html(sweepPage(view, svg, title, map ? { svg: mapSvg } : null), 200, { "content-security-policy": PAGE_CSP, ...headers });
    },
  });
  return routes;
}
