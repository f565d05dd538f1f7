import { describe, expect, it } from "vitest";
import { DISTINGUISHABLE_SE, MAP_MARKS, MIN_CHART_FONT_SIZE, parseRunSpec, type AggregateRow, type MapCell, type SyntheticRunSpec, type TheorySegment } from "../../src/core/index.js";
import { useNodeBackend } from "../../src/engine/node.js";
import { train } from "../../src/engine/train.js";
import { createRunStore } from "../../src/store/index.js";
import { routeToApp, useChromium } from "../setup/chromium.js";
import { PROVENANCE } from "../store/suite.js";
import { postJson as post, useHttpHarness } from "./harness.js";

/**
 * Regime maps (docs/decisions/015-paired-comparisons-and-regime-maps.md) of a sweep trained for
 * real: density × noise in the theory's regime, small enough to train in a few seconds. Its
 * members are trained by the engine and stored as a runner would store them; the map's cells,
 * colour domain, outlined cells and theory lines are checked against the sweep's own aggregate,
 * and its page is opened in headless Chromium.
 */
const SWEEP = {
  base: {
    data: { classes: 3, patchDim: 60, signal: "basis", signalPatch: "random", trainSize: 24, testSize: 150 },
    model: { width: 8, q: 3, initStd: 0.1 },
    training: { learningRate: 1, steps: 150, evalEvery: 50 },
  },
  grid: { "pruning.density": [1, 0.5, 0.2, 0.05], "data.noiseStd": [0.05, 0.3] },
  repeats: 3,
};
const CELLS = 8;

const { appWith: app, db } = useHttpHarness();

/** Submits the sweep and trains every member with the engine, storing results as a runner would. */
async function trainedSweep(spec: unknown = SWEEP): Promise<{ hash: string; aggregate: AggregateRow[] }> {
  await useNodeBackend("wasm");
  const submitted = await (await app().request("/v1/sweeps", post({ spec, options: { placement: "runner" } }))).json();
  const store = createRunStore(db());
  for (const lease of await store.claim({ placement: "runner", holder: "t", max: 100, leaseMs: 60_000 })) {
    const result = await train(parseRunSpec(lease.spec) as SyntheticRunSpec);
    await store.complete({ hash: lease.hash, leaseId: lease.leaseId, result, provenance: PROVENANCE });
  }
  const sweep = await (await app().request(`/v1/sweeps/${submitted.hash}`)).json();
  expect(sweep.status).toBe("succeeded");
  return { hash: submitted.hash, aggregate: sweep.aggregate };
}

/** The layer of a map panel that has the given name, searched through the spec. */
function layerNamed(spec: unknown, name: string): Record<string, any> {
  const found: Record<string, any>[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") {
      if ((node as { name?: string }).name === name) found.push(node as Record<string, any>);
      Object.values(node).forEach(walk);
    }
  };
  walk(spec);
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe("regime maps (app.request, PGlite, a sweep trained by the engine)", () => {
  it("colour each cell by its row's mean test error and paired change, centre the change at 0 and outline the cells within 2 SE of it", async () => {
    const { hash, aggregate } = await trainedSweep();
    const response = await app().request(`/v1/sweeps/${hash}/map.json`);
    expect(response.status).toBe(200);
    const map = await response.json();
    const cells = map.datasets.cells as MapCell[];
    expect(cells).toHaveLength(CELLS);
    for (const row of aggregate) {
      const cell = cells.find((c) => c.xValue === row.point["pruning.density"] && c.yValue === row.point["data.noiseStd"])!;
      expect(cell.testError).toBe(row.final.testError.mean);
      expect(cell.trainError).toBe(row.final.trainError.mean);
      expect(cell.paired).toBe(row.paired!.mean);
      expect(cell.pairs).toBe(3);
      // outlined: not distinguishable from 0 at two standard errors (the dense column, paired with itself, always is)
      const within = row.paired!.se === null || Math.abs(row.paired!.mean!) < DISTINGUISHABLE_SE * row.paired!.se || row.paired!.mean === 0;
      expect(cell.marked).toBe(within);
    }
    expect(cells.filter((cell) => cell.xValue === 1).every((cell) => cell.paired === 0 && cell.marked)).toBe(true);
    // the trained sweep has both kinds of cell: pruning's effect is clear somewhere and not everywhere
    expect(cells.some((cell) => !cell.marked)).toBe(true);

    const maxChange = Math.max(...cells.map((cell) => Math.abs(cell.paired!)));
    const paired = layerNamed(map, MAP_MARKS.paired);
    expect(paired.encoding.color.scale).toMatchObject({ scheme: "redblue", domain: [-maxChange, maxChange], domainMid: 0 });
    const testError = layerNamed(map, MAP_MARKS.testError);
    expect(testError.encoding.color.scale.domain).toEqual([0, Math.max(0.05, ...cells.map((cell) => cell.testError!))]);
    expect(layerNamed(map, MAP_MARKS.marked).transform).toEqual([{ filter: "datum.marked" }]);

    // the mild-pruning scale log d / m = log 60 / 8 ≈ 0.51 lies on the density axis, once per noise row, between the columns of 0.5 and 1;
    // one signal neuron per class (1/m = 0.125) between 0.05 and 0.2; the over-pruning one (≈ 0.0102) lies below the grid
    const theory = map.datasets.theory as TheorySegment[];
    const mild = theory.filter((segment) => segment.scale === "mild pruning: log d / m");
    expect(mild.map((segment) => segment.value)).toEqual([Math.log(60) / 8, Math.log(60) / 8]);
    expect(mild[0]!.x).toBeCloseTo(2 + Math.log(Math.log(60) / 8 / 0.5) / Math.log(2), 12);
    expect(theory.filter((segment) => segment.scale === "one signal neuron per class: 1/m").map((segment) => segment.value)).toEqual([0.125, 0.125]);
    expect(theory.some((segment) => segment.scale === "over-pruning: 1/(K m log d)")).toBe(false);
    const subtitle = map.title.subtitle.join(" ");
    expect(subtitle).toContain("over-pruning: 1/(K m log d) = 0.01 (dashed, outside the grid)");
    expect(subtitle).toMatch(/Condition 2\.2 ratio μ\/\(σn √d log d\) = 0\.11–0\.63/);

    const svg = await (await app().request(`/v1/sweeps/${hash}/map.svg`)).text();
    const rects = (mark: string) => (new RegExp(`<g class="mark-rect role-mark ${mark.replaceAll("-", "_")}_marks"[^>]*>(.*?)</g>`, "s").exec(svg)?.[1]?.match(/<path /g) ?? []).length;
    expect(rects(MAP_MARKS.paired)).toBe(CELLS);
    expect(rects(MAP_MARKS.testError)).toBe(CELLS);
    expect(rects(MAP_MARKS.trainError)).toBe(CELLS);
    expect(rects(MAP_MARKS.marked)).toBe(cells.filter((cell) => cell.marked).length);
    const sizes = [...svg.matchAll(/font-size="([\d.]+)px"/g)].map((match) => Number(match[1]));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(MIN_CHART_FONT_SIZE);
    // rendered twice, the bytes are the same (an immutable representation)
    expect(await (await app().request(`/v1/sweeps/${hash}/map.svg`)).text()).toBe(svg);
  }, 120_000);

  it("answer 404 for a sweep without two numeric axes, and its page has no map", async () => {
    const { hash } = await trainedSweep({ ...SWEEP, grid: { "pruning.density": [1, 0.3] }, repeats: 1 });
    const response = await app().request(`/v1/sweeps/${hash}/map.json`);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect((await response.json()).detail).toMatch(/has no regime map: a map needs exactly two grid axes/);
    const page = await (await app().request(`/view/sweeps/${hash}`)).text();
    expect(page).not.toContain('id="map"');
    expect(page).toContain("test error vs dense (paired)");
  }, 60_000);

  describe("in headless Chromium", () => {
    const browser = useChromium();

    it("shows the sweep page with its map: every cell drawn, the outlines, the theory line, at its own size, no script", async () => {
      const { hash, aggregate } = await trainedSweep();
      const origin = "http://prunelab.test";
      const page = await browser().newPage();
      await routeToApp(page, origin, app);
      const errors: string[] = [];
      page.on("console", (message) => void (message.type() === "error" && errors.push(message.text())));
      expect((await page.goto(`${origin}/view/sweeps/${hash}`))!.status()).toBe(200);
      const mark = (name: string) => page.locator(`#map svg g.${name.replaceAll("-", "_")}_marks path`);
      expect(await mark(MAP_MARKS.paired).count()).toBe(CELLS);
      expect(await mark(MAP_MARKS.marked).count()).toBe(aggregate.filter((row) => Math.abs(row.paired!.mean!) < DISTINGUISHABLE_SE * row.paired!.se! || row.paired!.mean === 0).length);
      // the mild-pruning and one-signal-neuron lines, a segment per noise row
      expect(await page.locator(`#map svg g.${MAP_MARKS.paired.replaceAll("-", "_")}_${MAP_MARKS.theory.replaceAll("-", "_")}_layer_0_marks line`).count()).toBe(4);
      const map = page.locator("#map svg");
      expect((await map.boundingBox())!.width).toBeCloseTo(Number(await map.getAttribute("width")), 0);
      // each paired cell's label reads as the change in points (×100), as the cells say
      const labels = await page.locator("#map svg text").allTextContents();
      for (const row of aggregate) expect(labels).toContain(`${row.paired!.mean! > 0 ? "+" : ""}${(100 * row.paired!.mean!).toFixed(1)}`);
      expect(await page.locator("#aggregate tbody tr").count()).toBe(CELLS);
      expect(await page.locator("script").count()).toBe(0);
      const shot = await page.locator("#map").screenshot();
      expect(shot.length).toBeGreaterThan(10_000);
      if (process.env.PRUNELAB_SCREENSHOTS) (await import("node:fs")).writeFileSync(`${process.env.PRUNELAB_SCREENSHOTS}/regime-map.png`, shot);
      expect(errors).toEqual([]);
      await page.close();
    }, 120_000);
  });
});
