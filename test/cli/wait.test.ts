import { describe, expect, it } from "vitest";
import type { Run } from "../../src/client/index.js";
import { measureRun } from "../../src/cli/wait.js";
import { describeRun } from "../../src/cli/format.js";
import { impLevel } from "../fixtures/image-protocol.js";

/** A run view as the API answers it, with the fields a wait reads. */
const view = (fields: Partial<Record<keyof Run, unknown>>): Run =>
  ({ hash: "a".repeat(64), status: "running", placement: "runner", result: null, error: null, provenance: null, attempts: 0, progress: null, partial: null, notice: null, createdAt: "2026-01-01T00:00:00.000Z", finishedAt: null, ...fields }) as Run;
const IMP_SPEC = { version: 1, kind: "image", seed: 0, training: { epochs: 120 }, pruning: { method: "imp", rate: 0.2, levels: 7, rewindStep: 0 } };

describe("how far a run is, as `prunelab --wait` shows it", () => {
  it("measures a synthetic run in steps", () => {
    const run = view({ spec: { kind: "synthetic", training: { steps: 1000 } }, progress: { step: 400 } });
    expect(measureRun(run)).toMatchObject({ value: 400, total: 1000, unit: "steps", status: "running" });
    expect(measureRun({ ...run, status: "succeeded", progress: null })).toMatchObject({ value: 1000, total: 1000 });
  });

  it("measures an IMP run in epochs over all its levels, with level, epoch and loss beside", () => {
    const run = view({ spec: IMP_SPEC, progress: { step: null, epoch: 12, epochs: 120, level: 3, levels: 7, loss: 0.08 } });
    expect(measureRun(run)).toEqual({ status: "running", notice: null, value: 3 * 120 + 12, total: 8 * 120, unit: "epochs", detail: "level 3/7 · epoch 12/120 · loss 0.08", detailInLines: true });
    // queued again after a failure, it counts the levels its partial result holds
    const requeued = view({ spec: IMP_SPEC, status: "queued", partial: [0, 1].map((level) => ({ level, density: impLevel(level).density, final: impLevel(level).final })) });
    expect(measureRun(requeued)).toMatchObject({ value: 240, total: 960, unit: "epochs" });
    expect(measureRun({ ...requeued, status: "succeeded" })).toMatchObject({ value: 960 });
  });

  it("measures a run with a random mask as one training", () => {
    const run = view({ spec: { ...IMP_SPEC, pruning: { method: "random", density: 0.1, distribution: "uniform" } }, progress: { step: null, epoch: 30, epochs: 120, level: 0, levels: 0, loss: 0.5 } });
    expect(measureRun(run)).toMatchObject({ value: 30, total: 120, detail: "epoch 30/120 · loss 0.5" });
  });

  it("describes a running IMP run with its progress and finished levels", () => {
    const run = view({ spec: IMP_SPEC, progress: { step: null, epoch: 12, epochs: 120, level: 1, levels: 7, loss: 0.08 }, partial: [{ level: 0, density: 1, final: impLevel(0).final }] });
    expect(describeRun(run, "http://api").split("\n")).toEqual([
      `run ${"a".repeat(64)}  running  (runner)`,
      "  level 1 of 7 · epoch 12 of 120 · training loss 0.08000",
      "  finished level 0  density 1.0000  test accuracy 98.00%  train accuracy 100.00%",
      `  view http://api/view/runs/${"a".repeat(64)}`,
    ]);
  });
});
