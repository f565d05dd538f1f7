import { describe, expect, it } from "vitest";
import { renderSvg } from "../../src/charts/svg.js";
import { aggregateSweep, expandSweep, parseSweepSpec, sweepChart, type RunResult } from "../../src/core/index.js";

/** workerd forbids eval and new Function: the SVG path must render with Vega's expression interpreter. */
describe("chart rendering inside workerd", () => {
  it("renders a sweep chart to SVG without code generation", async () => {
    expect(() => new Function("return 1")).toThrow(); // the runtime really forbids it
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
    const svg = await renderSvg(sweepChart(sweep, aggregateSweep(sweep, members, results), "in workerd"));
    expect(svg).toMatch(/^<svg/);
    expect(svg.match(/<g class="mark-symbol role-mark points_marks"[^>]*>(.*?)<\/g>/s)![1]!.match(/<path /g)).toHaveLength(6);
    expect(svg).toContain("in workerd");
  });
});
