import { beforeAll, describe, expect, it } from "vitest";
import { AppError, MIN_CHART_FONT_SIZE, SWEEP_POINT_MARK, parseSyntheticSpec, type SyntheticRunResult as RunResult } from "../../src/core/index.js";
import { useNodeBackend } from "../../src/engine/node.js";
import { train } from "../../src/engine/train.js";
import { createApp } from "../../src/http/app.js";
import { parseApiConfig } from "../../src/http/config.js";
import { createRunStore } from "../../src/store/index.js";
import { PROVENANCE } from "../store/suite.js";
import { postJson as post, useHttpHarness } from "./harness.js";
import { validateResponse } from "./openapi-validator.js";

/** A fixture sweep: 3 sparsities × 2 noise levels × 2 repeats of a tiny spec, trained for real. */
const FIXTURE_SWEEP = {
  base: { data: { patchDim: 20, trainSize: 12, testSize: 20 }, model: { width: 4 }, training: { learningRate: 0.05, steps: 30, evalEvery: 10 } },
  grid: { "pruning.sparsity": [0, 0.5, 0.9], "data.noiseStd": [0.5, 1] },
  repeats: 2,
};

interface Datum {
  x: number;
  series: string;
  metric: string;
  mean: number;
  std: number | null;
  n: number;
}

/** The symbols Vega draws for the named point mark, in every panel: one `<path>` per data point. */
function countPointSymbols(svg: string): number {
  const groups = svg.matchAll(new RegExp(`<g class="mark-symbol role-mark ${SWEEP_POINT_MARK}_marks"[^>]*>(.*?)</g>`, "gs"));
  return [...groups].reduce((n, group) => n + (group[1]!.match(/<path /g) ?? []).length, 0);
}

/** Every font size Vega wrote into an SVG, in px. */
function fontSizes(svg: string): number[] {
  return [...svg.matchAll(/font-size="([\d.]+)px"/g)].map((match) => Number(match[1]));
}

/** The `<th>` texts and the `<td>` cells (with their attributes) of one table of a page. */
function tableOf(page: string, id: string): { headers: string[]; cells: { attributes: string; text: string }[] } {
  const table = new RegExp(`<table id="${id}">(.*?)</table>`, "s").exec(page)![1]!;
  return {
    headers: [...table.matchAll(/<th(?:\s[^>]*)?>(.*?)<\/th>/gs)].map((match) => match[1]!),
    cells: [...table.matchAll(/<td(\s[^>]*)?>(.*?)<\/td>/gs)].map((match) => ({ attributes: match[1] ?? "", text: match[2]! })),
  };
}

describe("charts and pages (app.request, PGlite)", () => {
  const { appWith: app, db } = useHttpHarness();
  beforeAll(() => useNodeBackend("wasm"));

  /** Submits the fixture sweep and completes every member with its real result. */
  async function completedSweep(spec: object = FIXTURE_SWEEP) {
    const view = await (await app().request("/v1/sweeps", post({ spec, options: { placement: "runner" } }))).json();
    const store = createRunStore(db());
    const results = new Map<string, RunResult>();
    for (const lease of await store.claim({ placement: "runner", holder: "t", max: 100, leaseMs: 60_000 })) {
      const result = await train(parseSyntheticSpec(lease.spec));
      results.set(lease.hash, result);
      await store.complete({ hash: lease.hash, leaseId: lease.leaseId, result, provenance: PROVENANCE });
    }
    const final = await (await app().request(`/v1/sweeps/${view.hash}`)).json();
    return { hash: view.hash as string, sweep: final, results };
  }

  it("charts a sweep as Figure 2a/2b: one series per noise level, test and train error per sparsity", async () => {
    const { hash, sweep } = await completedSweep();
    const response = await app().request(`/v1/sweeps/${hash}/chart.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toContain("immutable");
    const chart = await response.json();
    const [finals, curves] = chart.vconcat;
    const data = finals.data.values as Datum[];
    expect(data).toHaveLength(3 * 2 * 2);
    expect(new Set(data.map((d) => d.series))).toEqual(new Set(["σn = 0.5", "σn = 1"]));
    expect(new Set(data.map((d) => d.metric))).toEqual(new Set(["test error", "train error"]));
    for (const series of ["σn = 0.5", "σn = 1"]) {
      expect(data.filter((d) => d.series === series && d.metric === "test error").map((d) => d.x)).toEqual([0, 0.5, 0.9]);
    }
    // every plotted mean and std is the aggregate's, at the matching grid point
    for (const row of sweep.aggregate) {
      const x = Number((1 - row.point["pruning.density"]).toPrecision(12));
      const datum = data.find((d) => d.x === x && d.series === `σn = ${row.point["data.noiseStd"]}` && d.metric === "test error")!;
      expect(datum).toMatchObject({ mean: row.final.testError.mean, std: row.final.testError.std, n: 2 });
    }
    expect(finals.spec.encoding.x.title).toMatch(/sparsity/);

    // the metric has a channel of its own, the panel column; the colour is the other grid value, and nothing colours by metric
    expect(finals.facet.column).toMatchObject({ field: "metric", sort: ["test error", "train error"] });
    expect(finals.spec.encoding.color).toMatchObject({ field: "series", title: "σn" });
    const colourFields = [finals.spec.encoding, ...finals.spec.layer.map((layer: { encoding: object }) => layer.encoding)].map((encoding) => encoding.color?.field);
    expect(colourFields).not.toContain("metric");

    // the second panel is Figure 2c averaged: each point's mean test error curve over training,
    // one panel per noise level (the colours above), one line per sparsity
    expect(curves.facet).toMatchObject({ field: "series", sort: ["σn = 0.5", "σn = 1"] }); // grid order
    expect(curves.spec.encoding.color).toMatchObject({ field: "x", title: "sparsity" });
    const curveValues = curves.data.values as { step: number; series: string; x: number; value: number }[];
    expect(new Set(curveValues.map((d) => `${d.series} ${d.x}`)).size).toBe(sweep.aggregate.length);
    const densest = sweep.aggregate.find((row: { point: Record<string, number> }) => row.point["pruning.density"] === 1 && row.point["data.noiseStd"] === 0.5);
    const densestCurve = curveValues.filter((d) => d.series === "σn = 0.5" && d.x === 0);
    expect(densestCurve.map((d) => d.step)).toEqual(densest.curve.map((p: { step: number }) => p.step));
    expect(densestCurve.map((d) => d.value)).toEqual(densest.curve.map((p: { testError: number }) => p.testError));
  });

  it("renders the sweep chart to SVG with one symbol per point and serves a page with the table", async () => {
    const { hash, sweep } = await completedSweep();
    const svgResponse = await app().request(`/v1/sweeps/${hash}/chart.svg`);
    expect(svgResponse.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    const svg = await svgResponse.text();
    expect(svg.startsWith("<svg")).toBe(true);
    expect(countPointSymbols(svg)).toBe(12);

    const page = await app().request(`/view/sweeps/${hash}`);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    const body = await page.text();
    expect(countPointSymbols(body)).toBe(12);
    expect(body.match(/<tbody>(.*?)<\/tbody>/s)![1]!.match(/<tr>/g)).toHaveLength(sweep.aggregate.length);
    expect(body).toContain(`/v1/sweeps/${hash}/table.csv`);
    expect(body).not.toContain("<script");
  });

  it("draws chart text at 12 px or more, in sweep and run charts", async () => {
    const { hash, results } = await completedSweep();
    const sweepSvg = await (await app().request(`/v1/sweeps/${hash}/chart.svg`)).text();
    const runSvg = await (await app().request(`/v1/runs/${[...results.keys()][0]}/chart.svg`)).text();
    for (const svg of [sweepSvg, runSvg]) {
      const sizes = fontSizes(svg);
      expect(sizes.length).toBeGreaterThan(20); // axis labels, titles, legends
      expect(Math.min(...sizes)).toBeGreaterThanOrEqual(MIN_CHART_FONT_SIZE);
    }
    // and the page shows the SVG at its own size, not shrunk (the figure has no margin; the SVG fits 64rem)
    expect(Number(/^<svg[^>]* width="(\d+)"/.exec(sweepSvg)![1])).toBeLessThanOrEqual(1000);
    expect(Number(/^<svg[^>]* width="(\d+)"/.exec(runSvg)![1])).toBeLessThanOrEqual(1000);
  });

  it("heads the sweep table in words, keeps each mean ± std on one line, and gives sparsity next to density", async () => {
    const { hash, sweep } = await completedSweep();
    const page = await (await app().request(`/view/sweeps/${hash}`)).text();
    const { headers, cells } = tableOf(page, "aggregate");
    expect(headers).toEqual(["σn", "density", "sparsity", "runs done", "runs diverged", "runs without a signal neuron", "train loss", "train error", "test loss", "test error", "test error vs dense (paired)"]);
    expect(headers.filter((header) => /[a-z][A-Z]/.test(header))).toEqual([]); // no camelCase
    const stats = cells.filter((cell) => cell.text.includes("±"));
    expect(stats).toHaveLength(sweep.aggregate.length * 5);
    for (const cell of stats) expect(cell.attributes).toContain('class="stat"');
    expect(page).toMatch(/td\.stat\{white-space:nowrap\}/);
    const sparsities = cells.filter((_, i) => i % headers.length === 2).map((cell) => cell.text);
    expect(sparsities).toEqual(sweep.aggregate.map((row: { point: Record<string, number> }) => String(Number((1 - row.point["pruning.density"]!).toPrecision(12)))));
  });

  it("charts a run's curves and diagnostics (Figure 2c), and pages it", async () => {
    const { results } = await completedSweep();
    const [hash, result] = [...results.entries()][0]!;
    const chart = await (await app().request(`/v1/runs/${hash}/chart.json`)).json();
    type Panel = { data: { values: { step: number; series: string; value: number }[] }; encoding: { y: { scale?: { zero?: boolean } } } };
    const [errors, losses, signal, noise] = chart.vconcat as Panel[];
    expect(errors!.data.values.filter((d) => d.series === "test error").map((d) => d.value)).toEqual(result.curve.map((p) => p.testError));
    expect(losses!.data.values.filter((d) => d.series === "train loss").map((d) => d.step)).toEqual(result.curve.map((p) => p.step));
    // signal and noise alignment differ by an order of magnitude: each has its panel and its own y scale, not forced to 0
    expect(new Set(signal!.data.values.map((d) => d.series))).toEqual(new Set(["class 0", "class 1"]));
    expect(signal!.data.values.filter((d) => d.series === "class 1").map((d) => d.value)).toEqual(result.curve.map((p) => p.signalAlignment[1]! + 0)); // + 0: JSON has no -0
    expect(noise!.data.values.map((d) => d.value)).toEqual(result.curve.map((p) => p.noiseAlignment));
    expect(chart.vconcat.filter((panel: Panel) => panel.data.values.some((d) => d.series === "noise"))).toEqual([noise]);
    expect(chart.resolve.scale.y).toBe("independent");
    expect(signal!.encoding.y.scale).toMatchObject({ zero: false });
    expect(noise!.encoding.y.scale).toMatchObject({ zero: false });
    expect(await (await app().request(`/v1/runs/${hash}/chart.svg`)).text()).toMatch(/^<svg/);
    const page = await (await app().request(`/view/runs/${hash}`)).text();
    expect(page).toContain(result.final.testError!.toFixed(3));
    expect(page).toContain("<svg");
  });

  it("answers 304 from the ETag, 409 for a run without a result, 404 for an unknown hash, and no-store while running", async () => {
    const { hash } = await completedSweep();
    const first = await app().request(`/v1/sweeps/${hash}/chart.svg`);
    const etag = first.headers.get("etag")!;
    expect(etag).toBe(`"${hash}.chart.svg"`);
    expect((await app().request(`/v1/sweeps/${hash}/chart.svg`, { headers: { "if-none-match": etag } })).status).toBe(304);
    expect((await app().request(`/v1/sweeps/${"0".repeat(64)}/chart.json`)).status).toBe(404);

    const queued = await (await app().request("/v1/runs", post({ spec: { seed: 99, training: { steps: 5 } }, options: { placement: "runner" } }))).json();
    const chart = await app().request(`/v1/runs/${queued.hash}/chart.json`);
    expect(chart.status).toBe(409);
    expect((await chart.json()).type).toBe("/problems/conflict");
    const page = await app().request(`/view/runs/${queued.hash}`);
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(await page.text()).toContain('http-equiv="refresh"');

    const pending = await (await app().request("/v1/sweeps", post({ spec: { ...FIXTURE_SWEEP, base: { ...FIXTURE_SWEEP.base, seed: 1000 } }, options: { placement: "runner" } }))).json();
    const partial = await app().request(`/v1/sweeps/${pending.hash}/chart.json`);
    expect(partial.headers.get("cache-control")).toBe("no-store");
    expect((await partial.json()).vconcat.map((panel: { data: { values: unknown[] } }) => panel.data.values)).toEqual([[], []]);
  });

  it("answers errors under /view as HTML pages with the problem's status, no script, and a link to /docs; /v1 stays problem+json", async () => {
    const unknown = "0".repeat(64);
    const cases = [
      [`/view/runs/${unknown}`, 404, `no run with hash ${unknown}`],
      [`/view/sweeps/${unknown}`, 404, `no sweep with hash ${unknown}`],
      ["/view/runs/not-a-hash", 400, "64 lowercase hex digits"],
      ["/view/sweeps/NOT", 400, "64 lowercase hex digits"],
    ] as const;
    for (const [path, status, detail] of cases) {
      const response = await app().request(path);
      expect(response.status, path).toBe(status);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
      expect(response.headers.get("cache-control")).toBe("no-store");
      const body = await response.text();
      expect(body).toMatch(/^<!doctype html>/);
      expect(body).toContain(`<h1>${status} · `);
      expect(body).toContain(detail);
      expect(body).toContain('href="/docs"');
      expect(body).not.toMatch(/<script/i);
    }
    const api = await app().request(`/v1/runs/${unknown}`);
    expect(api.status).toBe(404);
    expect(api.headers.get("content-type")).toBe("application/problem+json");

    // an unreachable database: the same 503 and Retry-After as the API, as a page
    const down = createApp({
      config: parseApiConfig({}),
      openStores: async () => {
        throw new AppError("database_unavailable", "the database cannot be reached: connection refused");
      },
      wakeEdge: async () => {},
    });
    const unavailable = await down.request(`/view/sweeps/${unknown}`);
    await validateResponse("GET", `/view/sweeps/${unknown}`, unavailable.clone());
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(unavailable.headers.get("content-type")).toMatch(/^text\/html/);
    const body = await unavailable.text();
    expect(body).toContain("cannot be reached");
    expect(body).not.toMatch(/<script/i);
  });
});
