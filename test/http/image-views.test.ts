import { describe, expect, it } from "vitest";
import { LEVEL_POINT_MARK, MIN_CHART_FONT_SIZE, SWEEP_POINT_MARK, imageRunResultSchema, parseRunSpec, type ImageRunResult, type ImageRunSpec } from "../../src/core/index.js";
import { runPage } from "../../src/http/pages.js";
import type { RunView } from "../../src/http/views.js";
import { createRunStore } from "../../src/store/index.js";
import { imageResultFor } from "../fixtures/image-results.js";
import { routeToApp, useChromium } from "../setup/chromium.js";
import { PROVENANCE } from "../store/suite.js";
import { postJson as post, useHttpHarness } from "./harness.js";

/**
 * What a user sees of image results (docs/decisions/013-image-kind.md): the sweep's chart, table,
 * CSV and page, and a run's chart and page, through the app over PGlite, with fixture results
 * stored as a runner would; then both pages in headless Chromium.
 */

/** Figure 3a in small: IMP over 3 levels and random masks at two of its densities, 2 seeds. */
const SWEEP = {
  base: { kind: "image", data: { trainSize: 1000 }, training: { epochs: 6 } },
  grid: { pruning: [{ method: "imp", levels: 3 }, { method: "random", density: 0.8 }, { method: "random", density: 0.64 }] },
  repeats: 2,
};
/** Rows of its aggregate: 2 random densities, 4 IMP levels. */
const ROWS = 6;

/** The symbols Vega draws for the named point mark, in every panel: one `<path>` per data point. */
function countSymbols(svg: string, mark: string): number {
  const groups = svg.matchAll(new RegExp(`<g class="mark-symbol role-mark ${mark}_marks"[^>]*>(.*?)</g>`, "gs"));
  return [...groups].reduce((n, group) => n + (group[1]!.match(/<path /g) ?? []).length, 0);
}

/** The `<th>` texts and the `<td>` texts of one table of a page, by row. */
function tableOf(page: string, id: string): { headers: string[]; rows: string[][] } {
  const table = new RegExp(`<table id="${id}">(.*?)</table>`, "s").exec(page)?.[1];
  if (table === undefined) throw new Error(`no table #${id}`);
  const body = /<tbody>(.*?)<\/tbody>/s.exec(table)![1]!;
  return {
    headers: [...table.matchAll(/<th(?:\s[^>]*)?>(.*?)<\/th>/gs)].map((match) => match[1]!),
    rows: [...body.matchAll(/<tr>(.*?)<\/tr>/gs)].map((row) => [...row[1]!.matchAll(/<td(?:\s[^>]*)?>(.*?)<\/td>/gs)].map((cell) => cell[1]!.replace(/<[^>]+>/g, ""))),
  };
}

const { appWith: app, db } = useHttpHarness();

describe("image views (app.request, PGlite)", () => {

  /** Submits the sweep and completes every member with its fixture result, as a runner would. */
  async function completedSweep() {
    const submitted = await (await app().request("/v1/sweeps", post({ spec: SWEEP }))).json();
    const store = createRunStore(db());
    const results = new Map<string, ImageRunResult>();
    for (const lease of await store.claim({ placement: "runner", holder: "t", max: 100, leaseMs: 60_000 })) {
      const result = imageRunResultSchema.parse(imageResultFor(parseRunSpec(lease.spec) as ImageRunSpec));
      results.set(lease.hash, result);
      await store.complete({ hash: lease.hash, leaseId: lease.leaseId, result, provenance: PROVENANCE });
    }
    const sweep = await (await app().request(`/v1/sweeps/${submitted.hash}`)).json();
    expect(sweep.status).toBe("succeeded");
    return { hash: submitted.hash as string, sweep, results };
  }

  it("charts an image sweep: accuracy per method and density, a symbol per row and split, text at 12 px or more", async () => {
    const { hash, sweep } = await completedSweep();
    expect(sweep.aggregate).toHaveLength(ROWS);
    const chart = await (await app().request(`/v1/sweeps/${hash}/chart.json`)).json();
    expect(chart.title.text).toBe(`Sweep ${hash.slice(0, 12)}: final accuracy against sparsity`);
    expect(chart.title.subtitle.join(" ")).toMatch(/^2 repeats per point \(seeds from 0\) · mlp-1024-1024, mnist, n = 1000, 6 epochs/);
    const data = chart.vconcat[0].data.values as { method: string; metric: string; mean: number; density: number }[];
    for (const row of sweep.aggregate) {
      const datum = data.find((d) => d.method === row.point["pruning.method"] && d.density === row.point["pruning.density"] && d.metric === "test accuracy")!;
      expect(datum.mean).toBeCloseTo(100 * (1 - row.final.testError.mean), 10);
    }
    const response = await app().request(`/v1/sweeps/${hash}/chart.svg`);
    expect(response.headers.get("cache-control")).toContain("immutable");
    const svg = await response.text();
    expect(countSymbols(svg, SWEEP_POINT_MARK)).toBe(ROWS * 2);
    const sizes = [...svg.matchAll(/font-size="([\d.]+)px"/g)].map((match) => Number(match[1]));
    expect(sizes.length).toBeGreaterThan(20);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(MIN_CHART_FONT_SIZE);
    expect(Number(/^<svg[^>]* width="(\d+)"/.exec(svg)![1])).toBeLessThanOrEqual(1000);
  });

  it("gives the table as CSV with method, density, sparsity and level columns, and no signal-neuron count", async () => {
    const { hash, sweep } = await completedSweep();
    const csv = await (await app().request(`/v1/sweeps/${hash}/table.csv`)).text();
    const [header, ...lines] = csv.trim().split("\n").map((line) => line.split(","));
    expect(header!.slice(0, 8)).toEqual(["pruning.method", "pruning.density", "pruning.sparsity", "pruning.level", "runs", "completed", "diverged", "missingSignalNeurons"]);
    expect(header).toContain("testError_mean");
    expect(lines).toHaveLength(ROWS);
    sweep.aggregate.forEach((row: { point: Record<string, number | string>; final: { testError: { mean: number } } }, i: number) => {
      const line = lines[i]!;
      expect(line.slice(0, 4)).toEqual([String(row.point["pruning.method"]), String(row.point["pruning.density"]), String(Number((1 - (row.point["pruning.density"] as number)).toPrecision(12))), String(row.point["pruning.level"])]);
      expect(line.slice(4, 8)).toEqual(["2", "2", "0", ""]);
      expect(Number(line[header!.indexOf("testError_mean")])).toBe(row.final.testError.mean);
    });
    expect(lines.map((line) => line[0])).toEqual(["random", "random", "imp", "imp", "imp", "imp"]);
  });

  it("pages an image sweep: a row per method and density with accuracy mean ± std, headed in words", async () => {
    const { hash, sweep } = await completedSweep();
    const page = await (await app().request(`/view/sweeps/${hash}`)).text();
    expect(page).not.toMatch(/<script/i);
    expect(countSymbols(page, SWEEP_POINT_MARK)).toBe(ROWS * 2);
    const { headers, rows } = tableOf(page, "aggregate");
    expect(headers).toEqual(["method", "density", "sparsity", "IMP level", "runs done", "runs diverged", "test accuracy (%)", "train accuracy (%)", "test loss", "train loss", "test accuracy vs dense (paired)"]);
    expect(rows).toHaveLength(ROWS);
    // IMP level 0 is its own dense reference; the random masks are paired with it too (the sweep has no random density 1)
    expect(rows[2]![10]).toBe("0.00 ± 0.00 pp (0/2 better)");
    expect(rows[0]![10]).toMatch(/^[+-]?\d+\.\d\d ± \d+\.\d\d pp \([0-2]\/2 better\)$/);
    const first = sweep.aggregate[0];
    expect(rows[0]!.slice(0, 5)).toEqual(["random", "0.8", "0.2", "–", "2/2"]);
    expect(rows[0]![6]).toBe(`${(100 * (1 - first.final.testError.mean)).toFixed(2)} ± ${(100 * first.final.testError.std).toFixed(2)}`);
    expect(rows.map((row) => row[3])).toEqual(["–", "–", "0", "1", "2", "3"]);
    // an IMP level's realized density reads as its nominal one, to six digits
    expect(rows[3]![1]).toBe("0.8");
    expect(page).not.toContain("signal neuron");
  });

  it("charts and pages an IMP run: accuracy per level, every level's curves, layer densities per level", async () => {
    const { results } = await completedSweep();
    const [hash, result] = [...results.entries()].find(([, r]) => r.levels)!;
    const chart = await (await app().request(`/v1/runs/${hash}/chart.json`)).json();
    expect(chart.vconcat.map((panel: { title: { text: string } }) => panel.title.text)).toEqual([
      "final accuracy at each IMP level against sparsity",
      "0-1 error over training, each IMP level",
      "cross-entropy loss over training, each IMP level",
      "layer densities at each IMP level",
    ]);
    expect(chart.title.subtitle.join(" ")).toContain("IMP rate 0.2, 3 levels");
    const svg = await (await app().request(`/v1/runs/${hash}/chart.svg`)).text();
    expect(countSymbols(svg, LEVEL_POINT_MARK)).toBe(4 * 2);

    const page = await (await app().request(`/view/runs/${hash}`)).text();
    expect(page).toContain("<svg");
    const final = tableOf(page, "final");
    expect(final.rows[0]).toEqual(["accuracy (%)", (100 * (1 - result.final.trainError!)).toFixed(2), (100 * (1 - result.final.testError!)).toFixed(2)]);
    const levels = tableOf(page, "levels");
    expect(levels.rows.map((row) => row[0])).toEqual(["0", "1", "2", "3"]);
    expect(levels.rows.map((row) => row[3])).toEqual(result.levels!.map((level) => (100 * (1 - level.final.testError!)).toFixed(2)));
    const layers = tableOf(page, "layers");
    expect(layers.headers).toEqual(["layer", "prunable weights", "level 0", "level 1", "level 2", "level 3"]);
    expect(layers.rows.map((row) => row[0])).toEqual(["fc1", "fc2"]);
    expect(layers.rows[1]![5]).toBe(result.levels![3]!.layerDensities[1]!.density.toFixed(4));
    expect(page).toContain(`density ${result.density.toFixed(4)}`);
    expect(page).toContain(result.dataset.sha256.slice(0, 12));
  });

  it("charts and pages a random-mask run without IMP levels", async () => {
    const { results } = await completedSweep();
    const [hash, result] = [...results.entries()].find(([, r]) => !r.levels)!;
    const chart = await (await app().request(`/v1/runs/${hash}/chart.json`)).json();
    expect(chart.vconcat).toHaveLength(3);
    const page = await (await app().request(`/view/runs/${hash}`)).text();
    expect(page).not.toContain('id="levels"');
    expect(tableOf(page, "layers").headers).toEqual(["layer", "prunable weights", "density"]);
    expect(tableOf(page, "curve").rows).toHaveLength(result.curve.length);
  });

  it("pages a queued image run as waiting, with no chart", async () => {
    const queued = await (await app().request("/v1/runs", post({ spec: { kind: "image", seed: 77, data: { trainSize: 100 }, training: { epochs: 2 } } }))).json();
    const page = await app().request(`/view/runs/${queued.hash}`);
    expect(page.headers.get("cache-control")).toBe("no-store");
    const body = await page.text();
    expect(body).toContain("Waiting to be trained.");
    expect(body).toContain("No results yet.");
    expect(body).toContain('http-equiv="refresh"');
  });
});

describe("an image run's page while it trains", () => {
  const spec = parseRunSpec({ kind: "image", pruning: { method: "imp", levels: 7 } }) as ImageRunSpec;
  const finished = imageResultFor(spec).levels!.slice(0, 3);
  const view = (progress: RunView["progress"], partial: RunView["partial"]): RunView => ({
    hash: "a".repeat(64),
    status: "running",
    placement: "runner",
    spec,
    result: null,
    error: null,
    provenance: null,
    attempts: 1,
    progress,
    partial,
    notice: null,
    createdAt: "2026-11-30T00:00:00.000Z",
    finishedAt: null,
  });

  it("says the level and epoch of the last heartbeat and lists the finished levels", async () => {
    const page = String(await runPage(view({ step: null, epoch: 12, epochs: 120, level: 3, levels: 7, loss: 0.12345 }, finished.map(({ level, density, final }) => ({ level, density, final }))), null, "running"));
    expect(page).toContain("Training: level 3 of 7 · epoch 12 of 120 · training loss 0.1235.");
    const { rows } = tableOf(page, "partial");
    expect(rows.map((row) => row[0])).toEqual(["0", "1", "2"]);
    expect(rows[2]![1]).toBe(finished[2]!.density.toFixed(4));
    expect(rows[2]![3]).toBe((100 * (1 - finished[2]!.final.testError!)).toFixed(2));
    expect(page).toContain('http-equiv="refresh"');
  });

  it("says only that it trains when the heartbeat gave no epoch, and the epoch alone for a random mask", async () => {
    expect(String(await runPage(view({ step: 40 }, null), null, "running"))).toContain("<p id=\"progress\">Training.</p>");
    const random = { ...view({ step: null, epoch: 5, epochs: 120, level: 0, levels: 0, loss: null }, null), spec: parseRunSpec({ kind: "image" }) };
    const page = String(await runPage(random, null, "running"));
    expect(page).toContain("Training: epoch 5 of 120.");
    expect(page).not.toContain("Finished IMP levels");
  });
});

describe("image pages in headless Chromium", () => {
  const browser = useChromium();

  it("renders the image sweep page and an IMP run page: a point per mean, one line per accuracy cell, the charts at their own size", async () => {
    const submitted = await (await app().request("/v1/sweeps", post({ spec: SWEEP }))).json();
    const store = createRunStore(db());
    let impHash = "";
    for (const lease of await store.claim({ placement: "runner", holder: "t", max: 100, leaseMs: 60_000 })) {
      const spec = parseRunSpec(lease.spec) as ImageRunSpec;
      if (spec.pruning.method === "imp") impHash = lease.hash;
      await store.complete({ hash: lease.hash, leaseId: lease.leaseId, result: imageResultFor(spec), provenance: PROVENANCE });
    }
    const origin = "http://prunelab.test";
    const page = await browser().newPage();
    // the browser's requests are answered by the app itself, headers (the CSP) included
    await routeToApp(page, origin, app);
    const errors: string[] = [];
    page.on("console", (message) => void (message.type() === "error" && errors.push(message.text())));

    expect((await page.goto(`${origin}/view/sweeps/${submitted.hash}`))!.status()).toBe(200);
    expect(await page.locator(`#chart svg g.${SWEEP_POINT_MARK}_marks path`).count()).toBe(ROWS * 2);
    expect(await page.locator("#aggregate tbody tr").count()).toBe(ROWS);
    const box = (await page.locator("#chart svg").boundingBox())!;
    expect(box.width).toBeCloseTo(Number(await page.locator("#chart svg").getAttribute("width")), 0);
    const stats = page.locator("#aggregate td.stat");
    expect(await stats.count()).toBe(ROWS * 5);
    const lineBoxes = await stats.evaluateAll((cells) =>
      cells.map((cell) => {
        const range = cell.ownerDocument.createRange();
        range.selectNodeContents(cell);
        return range.getClientRects().length;
      }),
    );
    expect(lineBoxes).toEqual(Array(ROWS * 5).fill(1));
    expect(await page.locator("script").count()).toBe(0);
    expect((await page.screenshot({ fullPage: true })).length).toBeGreaterThan(10_000);

    expect((await page.goto(`${origin}/view/runs/${impHash}`))!.status()).toBe(200);
    expect(await page.locator(`#chart svg g.${LEVEL_POINT_MARK}_marks path`).count()).toBe(4 * 2);
    expect(await page.locator("#levels tbody tr").count()).toBe(4);
    expect(await page.locator("#layers tbody tr").count()).toBe(2);
    expect(await page.locator("#final tbody tr").count()).toBe(3);
    const runSvg = page.locator("#chart svg");
    expect((await runSvg.boundingBox())!.width).toBeCloseTo(Number(await runSvg.getAttribute("width")), 0);
    expect((await page.screenshot({ fullPage: true })).length).toBeGreaterThan(10_000);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
