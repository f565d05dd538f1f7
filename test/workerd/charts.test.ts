import { View, parse } from "vega";
import { compile } from "vega-lite";
import { describe, expect, it } from "vitest";
import { renderSvg } from "../../src/charts/svg.js";
import { aggregateSweep, expandSweep, parseRunSpec, parseSweepSpec, runChartOf, sweepChart, sweepChartOf, type ImageRunSpec, type SyntheticRunResult as RunResult } from "../../src/core/index.js";
import { imageResultFor } from "../fixtures/image-results.js";

/**
 * Deployed workerd forbids eval and new Function; the test runtime allows them (vitest needs
 * them), so this test forbids them itself while rendering: the global `Function` and `eval`
 * throw, as they do in production.
 */
async function withoutCodeGeneration<T>(render: () => Promise<T>): Promise<T> {
  const { Function: original, eval: originalEval } = globalThis;
  const forbidden = () => {
    throw new EvalError("Code generation from strings disallowed for this context");
  };
  globalThis.Function = new Proxy(original, { apply: forbidden, construct: forbidden });
  globalThis.eval = forbidden as typeof eval;
  try {
    return await render();
  } finally {
    globalThis.Function = original;
    globalThis.eval = originalEval;
  }
}

function fixtureChart() {
  const sweep = parseSweepSpec({ grid: { "pruning.sparsity": [0, 0.5, 0.9] }, repeats: 2 });
  const members = expandSweep(sweep);
  const results = members.map(
    (member, i): RunResult => ({
      final: { trainLoss: 0.01, trainError: 0, testLoss: 0.5, testError: 0.1 + 0.05 * member.pointIndex + 0.01 * i },
      curve: [],
      diagnostics: { signalNeurons: [1, 1], realizedDensity: 1, theory: { mildDensityScale: 0, overPruningDensityScale: 0, conditionRatio: 0, expectedSignalNeurons: 0 } },
      diverged: false,
    }),
  );
  return sweepChart(sweep, aggregateSweep(sweep, members, results), "in workerd");
}

describe("chart rendering inside workerd", () => {
  it("fails without the interpreter when code generation is forbidden (the guard is real)", async () => {
    const vega = compile(fixtureChart() as never).spec;
    await expect(withoutCodeGeneration(() => new View(parse(vega), { renderer: "none" }).toSVG())).rejects.toThrow(/Code generation/);
  });

  it("renders a sweep chart to SVG with the interpreter when code generation is forbidden", async () => {
    const svg = await withoutCodeGeneration(() => renderSvg(fixtureChart()));
    expect(svg).toMatch(/^<svg/);
    // one symbol per grid point and metric, across the test-error and train-error panels
    const groups = [...svg.matchAll(/<g class="mark-symbol role-mark points_marks"[^>]*>(.*?)<\/g>/gs)];
    expect(groups).toHaveLength(2);
    expect(groups.flatMap((group) => group[1]!.match(/<path /g) ?? [])).toHaveLength(6);
    expect(svg).toContain("in workerd");
  });

  it("renders the image charts (error bars, dashes, bars, IMP levels) with the interpreter when code generation is forbidden", async () => {
    const sweep = parseSweepSpec({ base: { kind: "image", training: { epochs: 3 } }, grid: { pruning: [{ method: "imp", levels: 2 }, { method: "random", density: 0.8 }] }, repeats: 2 });
    const members = expandSweep(sweep);
    const rows = aggregateSweep(sweep, members, members.map((member) => imageResultFor(member.spec as ImageRunSpec)));
    const svg = await withoutCodeGeneration(() => renderSvg(sweepChartOf(sweep, rows, "image sweep in workerd")));
    // a symbol per row (random 0.8; IMP levels 0, 1, 2) and split
    expect([...svg.matchAll(/<g class="mark-symbol role-mark points_marks"[^>]*>(.*?)<\/g>/gs)].flatMap((group) => group[1]!.match(/<path /g) ?? [])).toHaveLength(4 * 2);
    const imp = parseRunSpec({ kind: "image", training: { epochs: 3 }, pruning: { method: "imp", levels: 2 } }) as ImageRunSpec;
    const runSvg = await withoutCodeGeneration(() => renderSvg(runChartOf(imp, imageResultFor(imp), "IMP run in workerd")));
    expect([...runSvg.matchAll(/<g class="mark-symbol role-mark levels_marks"[^>]*>(.*?)<\/g>/gs)].flatMap((group) => group[1]!.match(/<path /g) ?? [])).toHaveLength(3 * 2);
    const random = parseRunSpec({ kind: "image", training: { epochs: 3 }, pruning: { method: "random", density: 0.5 } }) as ImageRunSpec;
    expect(await withoutCodeGeneration(() => renderSvg(runChartOf(random, imageResultFor(random), "random run in workerd")))).toMatch(/^<svg/);
  });
});
