import { describe, expect, it } from "vitest";
import { ERROR_CODES, METRIC_NAMES, metricsSchema, runErrorSchema, runResultSchema, theoryScales, DEFAULT_RUN_SPEC, type RunResult } from "../../src/core/index.js";

describe("the error vocabulary on runs", () => {
  it("has a code, status and title for every error a run can store", () => {
    // training_failed: the edge trainer and runners; canceled: a cancel; lease_expired: the lease expiry (SQL)
    for (const code of ["training_failed", "canceled", "lease_expired"] as const) {
      expect(ERROR_CODES[code]).toMatchObject({ status: expect.any(Number), title: expect.any(String) });
      expect(runErrorSchema.safeParse({ code, message: "m", retryable: true }).success).toBe(true);
    }
  });

  it("refuses a code outside the vocabulary", () => {
    const parsed = runErrorSchema.safeParse({ code: "oom", message: "out of memory", retryable: false });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["code"]);
  });
});

describe("result schemas", () => {
  it("name the metrics in METRIC_NAMES order", () => {
    expect(Object.keys(metricsSchema.shape)).toEqual([...METRIC_NAMES]);
  });

  it("accept what the engine produces, with non-finite numbers as null", () => {
    const result: RunResult = {
      final: { trainLoss: null, trainError: 0.5, testLoss: null, testError: 0.5 },
      curve: [{ step: 0, trainLoss: 0.7, trainError: 0.5, testLoss: 0.7, testError: 0.5, signalAlignment: [0.1, null], noiseAlignment: null }],
      diagnostics: { signalNeurons: [75, 75], realizedDensity: 0.5, theory: theoryScales({ ...DEFAULT_RUN_SPEC, data: { ...DEFAULT_RUN_SPEC.data, noiseStd: 0 } }) },
      diverged: true,
    };
    expect(result.diagnostics.theory.conditionRatio).toBeNull();
    expect(runResultSchema.parse(result)).toEqual(result);
    expect(runResultSchema.safeParse({ ...result, final: { ...result.final, trainLoss: Infinity } }).success).toBe(false);
  });
});
