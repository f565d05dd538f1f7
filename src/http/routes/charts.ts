import { Hono } from "hono";
import { renderSvg } from "../../charts/svg.js";
import type { ViewLoaders } from "../loaders.js";
import { runChartFor, serveRepresentation, serveSweepRepresentation, sweepChartFor, sweepMapFor } from "../representations.js";

const SVG = "image/svg+xml; charset=utf-8";

/** Charts of runs and sweeps: the Vega-Lite spec with its data, and the same chart rendered to SVG; a sweep's regime map likewise. */
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
  // A sweep with two numeric axes also has a regime map (docs/decisions/015-paired-comparisons-and-regime-maps.md).
  serveSweepRepresentation(routes, loaders, "/sweeps/:hash/map.json", "map.json", async (c, view, headers) => c.json(await sweepMapFor(view), 200, headers));
  serveSweepRepresentation(routes, loaders, "/sweeps/:hash/map.svg", "map.svg", async (c, view, headers) =>
    c.body(await renderSvg(await sweepMapFor(view)), 200, { "content-type": SVG, ...headers }),
  );
  return routes;
}
