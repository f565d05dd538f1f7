import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AppError, identifyRunSpec, parseRunSpec, parseSweepSpec } from "../../src/core/index.js";
import { useNodeBackend } from "../../src/engine/node.js";
import { engineInfo } from "../../src/engine/train.js";
import { trainRun } from "../../src/engine/trainers.js";
import { createJobService, type JobServiceConfig } from "../../src/service/index.js";
import { createRunStore, createSweepStore } from "../../src/store/index.js";
import { testServiceConfig } from "./config.js";
import { usePglite } from "../store/databases.js";
import { PROVENANCE, RESULT, sleep } from "../store/suite.js";

const CONFIG = testServiceConfig();
const SMALL = { data: { patchDim: 20, trainSize: 12, testSize: 12 }, model: { width: 4 }, training: { steps: 20, evalEvery: 10 } };
/** Far above the edge budget, within the largest job accepted. */
const LARGE = { data: { patchDim: 10_000, trainSize: 10_000 }, model: { width: 100 }, training: { steps: 1000, evalEvery: 100 } };

const errorCode = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error instanceof AppError ? error.code : `not an AppError: ${String(error)}`;
  }
  return "no error";
};

describe("the job service", () => {
  let woken: string[][];
  const service = (config: Partial<JobServiceConfig> = {}) =>
    createJobService({
      config: { ...CONFIG, ...config },
      openStores: async () => ({ runs: createRunStore(database().db), sweeps: createSweepStore(database().db), close: async () => {} }),
      wakeEdge: async (hash) => void woken.push([hash]),
      wakeEdgeMany: async (hashes) => void woken.push(hashes),
    });
  const count = async (status: "queued" | "running" | "succeeded" | "failed" | "canceled") => createRunStore(database().db).countByStatus(status);

  const database = usePglite();
  beforeAll(async () => {
    await useNodeBackend("wasm");
  });
  beforeEach(() => {
    woken = [];
  });

  it("places a small run on the edge and wakes the edge trainer once, however often it is submitted", async () => {
    const jobs = service();
    const first = await jobs.submitRun(parseRunSpec(SMALL), "auto");
    expect(first).toMatchObject({ created: true, run: { status: "queued", placement: "edge" } });
    expect(first.run.hash).toBe((await identifyRunSpec(parseRunSpec(SMALL))).hash);
    const again = await jobs.submitRun(parseRunSpec(SMALL), "auto");
    expect(again.created).toBe(false);
    expect(woken).toEqual([[first.run.hash]]);
  });

  it("sends large runs and forced ones to runners without a wake-up, and refuses to force edge above the budget", async () => {
    const jobs = service();
    expect((await jobs.submitRun(parseRunSpec(LARGE), "auto")).run.placement).toBe("runner");
    expect((await jobs.submitRun(parseRunSpec({ ...SMALL, seed: 1 }), "runner")).run.placement).toBe("runner");
    expect(woken).toEqual([]);
    expect(await errorCode(jobs.submitRun(parseRunSpec({ ...LARGE, seed: 2 }), "edge"))).toBe("over_budget");
    expect(await count("queued")).toBe(2); // the refused one wrote nothing
  });

  it("refuses a submit past the queued cap with too_many_queued", async () => {
    const jobs = service({ QUEUED_CAP: 1 });
    await jobs.submitRun(parseRunSpec({ ...SMALL, seed: 1 }), "runner");
    expect(await errorCode(jobs.submitRun(parseRunSpec({ ...SMALL, seed: 2 }), "runner"))).toBe("too_many_queued");
  });

  it("leases runner jobs, heartbeats, completes once, and fences every call by the lease", async () => {
    const jobs = service();
    const { run } = await jobs.submitRun(parseRunSpec(SMALL), "runner");
    const [lease] = await jobs.leaseRunnerJobs({ runnerId: "r1", max: 4 });
    expect(lease).toMatchObject({ hash: run.hash, attempts: 0 });
    expect(await jobs.leaseRunnerJobs({ runnerId: "r2", max: 4 })).toEqual([]); // never leased twice
    const until = await jobs.heartbeat({ hash: run.hash, leaseId: lease!.leaseId, step: 10, leaseSeconds: 120 });
    expect(until.getTime()).toBeGreaterThan(Date.now() + 100_000);
    expect((await jobs.getRun(run.hash)).progress).toEqual({ step: 10 });
    const stranger = "00000000-0000-4000-8000-000000000000";
    expect(await errorCode(jobs.complete({ hash: run.hash, leaseId: stranger, result: RESULT, provenance: PROVENANCE }))).toBe("lease_lost");
    expect(await jobs.complete({ hash: run.hash, leaseId: lease!.leaseId, result: RESULT, provenance: PROVENANCE })).toMatchObject({ status: "succeeded" });
    expect(await errorCode(jobs.complete({ hash: run.hash, leaseId: lease!.leaseId, result: RESULT, provenance: PROVENANCE }))).toBe("lease_lost");
    expect(await errorCode(jobs.heartbeat({ hash: run.hash, leaseId: lease!.leaseId }))).toBe("lease_lost");
    expect(await jobs.getRun(run.hash)).toMatchObject({ status: "succeeded", result: RESULT, provenance: PROVENANCE });
  });

  it("fails a job under its lease (requeued while a retryable one has attempts left), retries it onto the queue (waking the edge for an edge job), and refuses moves its state forbids", async () => {
    const jobs = service();
    const { run } = await jobs.submitRun(parseRunSpec(SMALL), "auto");
    const claim = async () => (await createRunStore(database().db).claim({ placement: "edge", holder: "edge", max: 1, leaseMs: 60_000 }))[0]!;
    // a retryable failure with an attempt to spare (MAX_ATTEMPTS = 2) goes back to the queue, and the edge is woken for it
    woken = [];
    const requeued = await jobs.fail({ hash: run.hash, leaseId: (await claim()).leaseId, error: { code: "training_failed", message: "boom", retryable: true } });
    expect(requeued).toMatchObject({ status: "queued", attempts: 1, error: { code: "training_failed" } });
    expect(woken).toEqual([[run.hash]]);
    const failed = await jobs.fail({ hash: run.hash, leaseId: (await claim()).leaseId, error: { code: "training_failed", message: "boom", retryable: true } });
    expect(failed).toMatchObject({ status: "failed", attempts: 2, error: { code: "training_failed" } });
    expect(await errorCode(jobs.cancelRun(run.hash))).toBe("conflict");
    woken = [];
    expect(await jobs.retryRun(run.hash)).toMatchObject({ status: "queued", attempts: 0, error: null });
    expect(woken).toEqual([[run.hash]]);
    expect(await errorCode(jobs.retryRun(run.hash))).toBe("conflict");
    expect(await jobs.cancelRun(run.hash)).toMatchObject({ status: "canceled" });
    expect(await errorCode(jobs.retryRun("f".repeat(64)))).toBe("not_found");
    expect(await errorCode(jobs.getRun("f".repeat(64)))).toBe("not_found");
  });

  it("recovers expired leases (one more attempt, then failed with lease_expired) and re-sends edge wake-ups", async () => {
    const jobs = service();
    const { run } = await jobs.submitRun(parseRunSpec(SMALL), "runner");
    const { run: edgeRun } = await jobs.submitRun(parseRunSpec({ ...SMALL, seed: 1 }), "auto");
    await jobs.leaseRunnerJobs({ runnerId: "r1", max: 1, leaseSeconds: 0.01 });
    await sleep(50);
    woken = [];
    expect(await jobs.recover()).toEqual({ expired: 1, woken: 1 });
    expect(woken).toEqual([[edgeRun.hash]]);
    expect(await jobs.getRun(run.hash)).toMatchObject({ status: "queued", attempts: 1 });
    await jobs.leaseRunnerJobs({ runnerId: "r1", max: 1, leaseSeconds: 0.01 });
    await sleep(50);
    // the next lease call expires it first: the second expiry reaches MAX_ATTEMPTS = 2
    expect(await jobs.leaseRunnerJobs({ runnerId: "r2", max: 1 })).toEqual([]);
    expect(await jobs.getRun(run.hash)).toMatchObject({ status: "failed", attempts: 2, error: { code: "lease_expired", retryable: true } });
  });

  it("submits a sweep in one statement and wakes the edge for its new edge members only", async () => {
    const jobs = service();
    const sweep = parseSweepSpec({ base: SMALL, grid: { "pruning.sparsity": [0, 0.5] }, repeats: 2 });
    const state = await jobs.submitSweep(sweep, "auto");
    expect(state.created).toBe(true);
    expect(state.members).toHaveLength(4);
    expect(state.counts.queued).toBe(4);
    expect(woken.flat().sort()).toEqual(state.members.map((member) => member.runHash).sort());
    woken = [];
    const again = await jobs.submitSweep(sweep, "auto");
    expect(again.created).toBe(false);
    expect(woken).toEqual([]);
    expect((await jobs.getSweep(state.row.hash)).spec).toEqual(state.spec);
    expect(await errorCode(jobs.getSweep("0".repeat(64)))).toBe("not_found");
  });

  it("trains the oldest edge job as the edge consumer, and waits for it to be final", async () => {
    const jobs = service();
    const { run } = await jobs.submitRun(parseRunSpec(SMALL), "auto");
    const waiting = jobs.waitForRun(run, 30);
    expect(await jobs.runEdgeJob({ train: trainRun, engine: engineInfo, leaseMs: 60_000, holder: "edge" })).toEqual({ hash: run.hash, status: "succeeded" });
    const final = await waiting;
    expect(final).toMatchObject({ status: "succeeded", provenance: { executor: "edge", runnerId: null } });
    expect(final.result).toEqual(await trainRun(parseRunSpec(SMALL)));
    expect(await jobs.runEdgeJob({ train: trainRun, engine: engineInfo, leaseMs: 60_000, holder: "edge" })).toBeNull();
  });
});
