import { describe, expect, it } from "vitest";
import type { Run, Schemas, Sweep } from "../../src/client/index.js";
import { aggregateTable, describeRun, describeSweep, reproductionReport } from "../../src/cli/format.js";
import { IMAGE_PRESETS, aggregateSweep, expandSweep, parseRunSpec, parseSweepSpec, type ImageRunSpec, type RunSpec, type SweepSpec } from "../../src/core/index.js";
import { imageResultFor } from "../fixtures/image-results.js";

/** The CLI's words for image runs and sweeps (src/cli/format.ts), from views built as the API builds them. */
const API = "http://127.0.0.1:8787";

function runOf(spec: RunSpec, fields: Partial<Run> = {}): Run {
  const result = spec.kind === "image" ? imageResultFor(spec) : null;
  return {
    hash: "b".repeat(64),
    status: "succeeded",
    placement: "runner",
    spec,
    result,
    error: null,
    provenance: null,
    attempts: 1,
    progress: null,
    partial: null,
    notice: null,
    createdAt: "2026-11-30T00:00:00.000Z",
    finishedAt: "2026-11-30T01:00:00.000Z",
    ...fields,
  } as Run;
}

function sweepOf(sweep: SweepSpec): Sweep {
  const members = expandSweep(sweep);
  const results = members.map((member) => imageResultFor(member.spec as ImageRunSpec));
  return {
    hash: "c".repeat(64),
    status: "succeeded",
    size: members.length,
    spec: sweep,
    counts: { queued: 0, running: 0, succeeded: members.length, failed: 0, canceled: 0 },
    members: [],
    aggregate: aggregateSweep(sweep, members, results),
    notice: null,
    createdAt: "2026-11-30T00:00:00.000Z",
  } as unknown as Sweep;
}

const imp = parseRunSpec({ kind: "image", data: { trainSize: 6000 }, training: { epochs: 10 }, pruning: { method: "imp", levels: 3 } }) as ImageRunSpec;

describe("the CLI's text for image runs", () => {
  it("gives final accuracies and losses, density and layers, and a line per IMP level", () => {
    const run = runOf(imp);
    const result = run.result as Schemas["ImageRunResult"];
    const lines = describeRun(run, API).split("\n");
    const pct = (error: number | null) => (100 * (1 - error!)).toFixed(2);
    expect(lines[1]).toBe(`  test accuracy ${pct(result.final.testError)}%  train accuracy ${pct(result.final.trainError)}%  train loss ${result.final.trainLoss!.toFixed(5)}  test loss ${result.final.testLoss!.toFixed(5)}`);
    expect(lines[2]).toBe(`  density ${result.density.toFixed(4)} (sparsity ${(1 - result.density).toFixed(4)})  layers fc1 ${result.layerDensities[0]!.density.toFixed(4)}, fc2 ${result.layerDensities[1]!.density.toFixed(4)}`);
    expect(lines.slice(3, 7)).toEqual(result.levels!.map((level) => `  level  ${level.level}  density ${level.density.toFixed(4)}  test accuracy ${pct(level.final.testError)}%  train accuracy ${pct(level.final.trainError)}%`));
    expect(lines.at(-1)).toBe(`  view ${API}/view/runs/${run.hash}`);
    expect(lines.join("\n")).not.toMatch(/signal|step/);
  });

  it("says how far a running image run is, and the levels it finished", () => {
    const levels = imageResultFor(imp).levels!;
    const running = runOf(imp, {
      status: "running",
      result: null,
      progress: { step: null, epoch: 4, epochs: 10, level: 2, levels: 3, loss: 0.0321 },
      partial: levels.slice(0, 2).map(({ level, density, final }) => ({ level, density, final })),
    });
    const text = describeRun(running, API);
    expect(text).toContain("  level 2 of 3 · epoch 4 of 10 · training loss 0.03210");
    expect(text).toContain(`  finished level 1  density ${levels[1]!.density.toFixed(4)}  test accuracy`);
    expect(text).not.toContain("finished level 2");
  });

  it("keeps a synthetic run's lines as they were", () => {
    const synthetic = runOf(parseRunSpec({}), {
      result: {
        final: { trainLoss: 0.01, trainError: 0, testLoss: 0.5, testError: 0.25 },
        curve: [{ step: 0, trainLoss: 0.7, trainError: 0.5, testLoss: 0.7, testError: 0.5, signalAlignment: [0, 0], noiseAlignment: 0 }],
        diagnostics: { signalNeurons: [3, 4], realizedDensity: 1, theory: { mildDensityScale: 0, overPruningDensityScale: 0, conditionRatio: 1, expectedSignalNeurons: 1 } },
        diverged: false,
      },
    });
    expect(describeRun(synthetic, API).split("\n").slice(1, 3)).toEqual([
      "  train error 0.000  test error 0.250  train loss 0.01000  test loss 0.50000",
      "  signal neurons 3/4  realized density 1.0000",
    ]);
  });
});

describe("the CLI's text for image sweeps", () => {
  const sweep = sweepOf(parseSweepSpec({ base: { kind: "image", training: { epochs: 3 } }, grid: { pruning: [{ method: "imp", levels: 2 }, { method: "random", density: 0.8 }] }, repeats: 3 }));

  it("tables a row per method and density: values, sparsity, level, runs, accuracies and losses as mean ± std", () => {
    const { header, rows } = aggregateTable(sweep);
    expect(header).toEqual(["method", "density", "sparsity", "IMP level", "runs", "diverged", "test accuracy % (mean ± std)", "train accuracy % (mean ± std)", "testLoss (mean ± std)", "trainLoss (mean ± std)", "test accuracy vs dense, paired (mean ± se)"]);
    expect(rows.map((row) => row.slice(0, 5))).toEqual([
      ["random", "0.8", "0.2", "–", "3"],
      ["imp", "1", "0", "0", "3"],
      ["imp", "0.8", "0.2", "1", "3"],
      ["imp", "0.64", "0.36", "2", "3"],
    ]);
    const first = sweep.aggregate[0]!.final.testError;
    expect(rows[0]![6]).toBe(`${(100 * (1 - first.mean!)).toFixed(2)} ± ${(100 * first.std!).toFixed(2)}`);
    // paired with IMP level 0 of the same seed: accuracy gained in points, ± the standard error
    const paired = sweep.aggregate[2]!.paired!;
    const gain = -100 * paired.mean!;
    expect(rows[2]![10]).toBe(`${gain > 0 ? "+" : ""}${gain.toFixed(2)} ± ${(100 * paired.se!).toFixed(2)} pp (${paired.improved}/3 better)`);
    expect(rows[1]![10]).toBe("0.00 ± 0.00 pp (0/3 better)");
    const text = describeSweep(sweep, API);
    expect(text.split("\n")).toHaveLength(1 + 1 + 1 + 4 + 1 + 1);
    expect(text).not.toContain("no-signal");
  });

  it("writes reproduction reports for an image sweep and an IMP run", () => {
    const preset = { ...IMAGE_PRESETS["paper-fig3a-quick"]!, hash: "c".repeat(64) } as Schemas["Preset"];
    const report = reproductionReport(preset, { kind: "sweep", view: sweep }, API, "2026-11-30T00:00:00Z");
    expect(report).toContain("| method | density | sparsity | IMP level | runs |");
    expect(report).toContain("Accuracy is 100 × (1 − error).");
    expect(report.split("\n").filter((line) => line.startsWith("| imp |"))).toHaveLength(3);

    const run = runOf(imp);
    const runReport = reproductionReport(preset, { kind: "run", view: run }, API, "2026-11-30T00:00:00Z");
    expect(runReport).toContain("| IMP level | density | sparsity | test accuracy % |");
    expect(runReport.split("\n").filter((line) => /^\| [0-3] \| /.test(line))).toHaveLength(4 + 4); // levels, and curve epochs 0-3 of 10
    expect(runReport).toContain("| layer | prunable weights | level 0 | level 1 | level 2 | level 3 |");
    expect(runReport).toContain("SHA-256 " + (run.result as Schemas["ImageRunResult"]).dataset.sha256);
    const waiting = reproductionReport(preset, { kind: "run", view: runOf(imp, { status: "queued", result: null }) }, API, "2026-11-30T00:00:00Z");
    expect(waiting).toContain("Status: queued; no result.");
  });
});

describe("the CLI's text for synthetic sweeps", () => {
  /** A synthetic view whose member at (density, seed) has test error `errors(density, seed)`. */
  function syntheticSweep(grid: Record<string, number[]>, errors: (density: number, seed: number) => number): Sweep {
    const sweep = parseSweepSpec({ grid, repeats: 3 });
    const members = expandSweep(sweep);
    const results = members.map((member) => {
      const spec = member.spec as Extract<RunSpec, { kind: "synthetic" }>;
      const testError = errors(spec.pruning.density, spec.seed);
      return {
        final: { trainLoss: 0.01, trainError: 0, testLoss: 0.5, testError },
        curve: [],
        diagnostics: { signalNeurons: [3, 3], realizedDensity: spec.pruning.density, theory: { mildDensityScale: 0.04, overPruningDensityScale: 0.001, conditionRatio: 0.01, expectedSignalNeurons: 1 } },
        diverged: false,
      };
    });
    return { hash: "d".repeat(64), status: "succeeded", size: members.length, spec: sweep, counts: {}, members: [], aggregate: aggregateSweep(sweep, members, results), notice: null, createdAt: "" } as unknown as Sweep;
  }

  it("adds the paired change against the dense run of the same seed, mean ± standard error and seeds improved", () => {
    // seeds 0, 1, 2: dense 0.30, 0.20, 0.40; density 0.5: 0.25, 0.18, 0.31 (differences −0.05, −0.02, −0.09)
    const table = { 1: [0.3, 0.2, 0.4], 0.5: [0.25, 0.18, 0.31] } as Record<number, number[]>;
    const view = syntheticSweep({ "pruning.density": [1, 0.5] }, (density, seed) => table[density]![seed]!);
    const { header, rows } = aggregateTable(view);
    expect(header.at(-1)).toBe("testError vs dense, paired (mean ± se)");
    expect(rows[1]!.at(-1)).toBe("-0.053 ± 0.020 (3/3 better)");
    expect(rows[0]!.at(-1)).toBe("0.000 ± 0.000 (0/3 better)");
    expect(reproductionReport({ ...IMAGE_PRESETS["paper-fig3a-quick"]!, hash: "e".repeat(64) } as Schemas["Preset"], { kind: "sweep", view }, API, "2026-12-01T00:00:00Z", { map: true })).toContain("![regime map](map.svg)");
  });

  it("leaves the column out when the grid has no dense point", () => {
    const { header } = aggregateTable(syntheticSweep({ "pruning.density": [0.8, 0.5] }, () => 0.2));
    expect(header.some((column) => column.includes("paired"))).toBe(false);
  });

  it("points to the regime map of a sweep with two numeric axes, and only then", () => {
    const twoAxes = syntheticSweep({ "pruning.density": [1, 0.5], "data.noiseStd": [0.5, 1] }, () => 0.2);
    expect(describeSweep(twoAxes, API).split("\n").at(-1)).toBe(`map  ${API}/v1/sweeps/${twoAxes.hash}/map.svg`);
    expect(describeSweep(syntheticSweep({ "pruning.density": [1, 0.5] }, () => 0.2), API)).not.toContain("map.svg");
  });
});
