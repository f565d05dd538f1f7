import { describe, expect, it } from "vitest";
import type { AggregateRow } from "../../src/core/index.js";
import { toAggregateCsv } from "../../src/http/sweeps.js";
import { createRunStore } from "../../src/store/index.js";
import { PROVENANCE, RESULT } from "../store/suite.js";
import { postJson as post, useHttpHarness } from "./harness.js";

describe("sweeps over HTTP (app.request, PGlite)", () => {
  const { appWith: app, woken, db } = useHttpHarness();
  const sweep = { base: { data: { patchDim: 20, trainSize: 10, testSize: 10 }, model: { width: 4 }, training: { steps: 10 } }, grid: { "pruning.sparsity": [0, 0.5] }, repeats: 2 };

  it("submits a sweep, tracks its members, and aggregates their results", async () => {
    const response = await app().request("/v1/sweeps", post({ spec: sweep }));
    expect(response.status).toBe(202);
    const view = await response.json();
    expect(response.headers.get("location")).toBe(`/v1/sweeps/${view.hash}`);
    expect(view).toMatchObject({ status: "queued", size: 4, counts: { queued: 4 } });
    expect(view.members).toHaveLength(4);
    expect(woken.sort()).toEqual(view.members.map((m: { hash: string }) => m.hash).sort());
    expect((await (await app().request("/v1/sweeps", post({ spec: sweep }))).json()).hash).toBe(view.hash);
    expect(woken).toHaveLength(4); // resubmitting creates nothing

    const store = createRunStore(db());
    for (const lease of await store.claim({ placement: "edge", holder: "t", max: 4, leaseMs: 60_000 })) {
      await store.complete({ hash: lease.hash, leaseId: lease.leaseId, result: RESULT, provenance: PROVENANCE });
    }
    const done = await app().request(`/v1/sweeps/${view.hash}`);
    expect(done.headers.get("cache-control")).toContain("immutable");
    const final = await done.json();
    expect(final.status).toBe("succeeded");
    expect(final.aggregate.map((row: { point: object }) => row.point)).toEqual([{ "pruning.density": 1 }, { "pruning.density": 0.5 }]);
    expect(final.aggregate[0].final.testError).toEqual({ n: 2, mean: 0.1, std: 0, min: 0.1, max: 0.1 });

    const csv = await (await app().request(`/v1/sweeps/${view.hash}/table.csv`)).text();
    const [header, first] = csv.trim().split("\n");
    expect(header!.split(",").slice(0, 6)).toEqual(["pruning.density", "pruning.sparsity", "runs", "completed", "diverged", "missingSignalNeurons"]);
    expect(first!.split(",").slice(0, 5)).toEqual(["1", "0", "2", "2", "0"]);
    expect((await (await app().request("/v1/sweeps?limit=5")).json()).items).toHaveLength(1);
  });

  it("gives back the sparsity asked for in the CSV, exactly, right after the stored density", async () => {
    const bySparsity = { ...sweep, grid: { "data.noiseStd": [0.5], "pruning.sparsity": [0, 0.3, 0.7, 0.9] }, repeats: 1 };
    const view = await (await app().request("/v1/sweeps", post({ spec: bySparsity }))).json();
    const csv = await (await app().request(`/v1/sweeps/${view.hash}/table.csv`)).text();
    const [header, ...lines] = csv.trim().split("\n").map((line) => line.split(","));
    const metrics = ["trainLoss", "trainError", "testLoss", "testError"].flatMap((metric) => ["mean", "std", "min", "max"].map((stat) => `${metric}_${stat}`));
    const paired = ["mean", "std", "se", "n", "improved", "worsened"].map((field) => `pairedTestError_${field}`);
    // every column the CSV had keeps its name and order (new ones come last); pruning.sparsity comes right after pruning.density
    expect(header).toEqual(["data.noiseStd", "pruning.density", "pruning.sparsity", "runs", "completed", "diverged", "missingSignalNeurons", ...metrics, ...paired]);
    expect(lines.map((line) => line.slice(0, 3))).toEqual([
      ["0.5", "1", "0"],
      ["0.5", "0.7", "0.3"], // 1 - 0.7 is 0.30000000000000004 in floating point
      ["0.5", "0.3", "0.7"],
      ["0.5", "0.1", "0.9"],
    ]);

    const byWidth = await (await app().request("/v1/sweeps", post({ spec: { ...sweep, grid: { "model.width": [4, 8] }, repeats: 1 } }))).json();
    const plain = await (await app().request(`/v1/sweeps/${byWidth.hash}/table.csv`)).text();
    expect(plain.split("\n")[0]).toBe(["model.width", "runs", "completed", "diverged", "missingSignalNeurons", ...metrics, ...paired].join(","));
  });

  it("rejects an invalid sweep at its field path and writes nothing", async () => {
    const response = await app().request("/v1/sweeps", post({ spec: { ...sweep, grid: { "pruning.density": [1, 1] } } }));
    expect(response.status).toBe(422);
    expect((await response.json()).errors).toEqual([expect.objectContaining({ path: "/spec/grid/pruning.density/1" })]);
    expect((await app().request("/v1/sweeps")).status).toBe(200);
    expect((await (await app().request("/v1/sweeps")).json()).items).toEqual([]);
    expect((await app().request(`/v1/sweeps/${"0".repeat(64)}`)).status).toBe(404);
  });
});

describe("the aggregate as CSV", () => {
  it("quotes what needs quoting, leaves missing statistics empty and ends with a newline", () => {
    const stat = (mean: number | null) => ({ n: mean === null ? 0 : 2, mean, std: mean === null ? null : 0, min: mean, max: mean });
    const row = (signal: string, mean: number | null): AggregateRow => ({
      point: { "data.signal": signal, "pruning.density": 0.5 },
      runs: 2,
      completed: mean === null ? 0 : 2,
      diverged: 0,
      missingSignalNeurons: 0,
      final: { trainLoss: stat(mean), trainError: stat(mean), testLoss: stat(mean), testError: stat(mean) },
      paired: mean === null ? null : { metric: "testError", n: 2, mean: -0.125, std: 0.25, se: 0.25 / Math.SQRT2, improved: 1, worsened: 1 },
      curve: [],
    });
    const csv = toAggregateCsv([row('a "b", c', 0.25), row("plain", null)]);
    const lines = csv.split("\n");
    expect(lines[0]).toMatch(/^data\.signal,pruning\.density,pruning\.sparsity,runs,completed,diverged,missingSignalNeurons,trainLoss_mean,/);
    expect(lines[0]).toMatch(/,testError_max,pairedTestError_mean,pairedTestError_std,pairedTestError_se,pairedTestError_n,pairedTestError_improved,pairedTestError_worsened$/);
    expect(lines[1]).toBe(`"a ""b"", c",0.5,0.5,2,2,0,0,${"0.25,0,0.25,0.25,".repeat(4)}-0.125,0.25,${0.25 / Math.SQRT2},2,1,1`);
    expect(lines[2]).toBe(`plain,0.5,0.5,2,0,0,0,${",,,,".repeat(4)},,,,,`);
    expect(lines[3]).toBe("");
    expect(lines).toHaveLength(4);
  });
});
