import { Hono } from "hono";
import { renderSvg } from "../../charts/svg.js";
import type { ViewLoaders } from "../loaders.js";
import { runChartFor, serveRepresentation, sweepChartFor } from "../representations.js";

const SVG = "image/svg+xml; charset=utf-8";

/** Charts of runs and sweeps: the Vega-Lite spec with its data, and the same chart rendered to SVG. */
export function createChartRoutes(loaders: ViewLoaders) {
  const routes = new Hono();
  serveRepresentation(routes, loaders, { runs: "/runs/:hash/chart.json", sweeps: "/sweeps/:hash/chart.json" }, "chart.json", {
    run: async (c, view, headers) => c.json(await runChartFor(view), 200, headers),
    sweep: async (c, view, headers) => c.json(await sweepChartFor(view), 200, headers),
  });
  serveRepresentation(routes, loaders, { runs: "/runs/:hash/chart.svg", sweeps: "/sweeps/:hash/chart.svg" }, "chart.svg", {
    run: async (c, view, headers) => c.body(await renderSvg(await runChartFor(view)), 200, { "content-type": SVG, ...headers }),
    sweep: async (c, view, headers) => c.body(await renderSvg(await sweepChartFor(view)), 200, { "content-type": SVG, ...headers }),
  });
  return routes;
}
