import { Hono } from "hono";
import { renderSvg } from "../../charts/svg.js";
import type { ViewLoaders } from "../loaders.js";
import { PAGE_CSP, runPage, sweepPage } from "../pages.js";
import { runChartFor, serveRepresentation, sweepChartFor, titleFor } from "../representations.js";

/** The human pages at /view/…: the chart as inline SVG and the tables, with no script. */
export function createPageRoutes(loaders: ViewLoaders) {
  const routes = new Hono();
  serveRepresentation(routes, loaders, { runs: "/runs/:hash", sweeps: "/sweeps/:hash" }, "view", {
    run: async (c, view, headers) => {
      const svg = view.result ? await renderSvg(await runChartFor(view)) : null;
      return c.html(runPage(view, svg, await titleFor(view.hash, `Run ${view.hash.slice(0, 12)}`)), 200, { "content-security-policy": PAGE_CSP, ...headers });
    },
    sweep: async (c, view, headers) => {
      const svg = view.aggregate.some((row) => row.completed > 0) ? await renderSvg(await sweepChartFor(view)) : null;
      return c.html(sweepPage(view, svg, await titleFor(view.hash, `Sweep ${view.hash.slice(0, 12)}`)), 200, { "content-security-policy": PAGE_CSP, ...headers });
    },
  });
  return routes;
}
