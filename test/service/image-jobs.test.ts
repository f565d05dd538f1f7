import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { AppError, parseRunSpec, parseSweepSpec } from "../../src/core/index.js";
import { createJobService, type JobServiceConfig } from "../../src/service/index.js";
import { createRunStore, createSweepStore } from "../../src/store/index.js";
import { IMAGE_RESULT, impPartial, impResult } from "../fixtures/image-protocol.js";
import { testServiceConfig } from "./config.js";
import { usePglite } from "../store/databases.js";
import { PROVENANCE, RESULT } from "../store/suite.js";

const CONFIG = testServiceConfig({ MAX_ATTEMPTS: 3, RUNNER_TOKEN: "runner-token-0123456789" });
const IMAGE = { kind: "image", data: { trainSize: 100 }, training: { epochs: 2 } };
const IMP = { ...IMAGE, pruning: { method: "imp", levels: 2 } };
const SYNTHETIC = { data: { patchDim: 20, trainSize: 12, testSize: 12 }, model: { width: 4 }, training: { steps: 20, evalEvery: 10 } };
const MLP_RUNNER = { backends: ["wasm"], kinds: ["synthetic", "image"], archs: ["mlp-1024-1024"], datasets: ["mnist"] };
const SYNTHETIC_RUNNER = { backends: ["wasm"], kinds: ["synthetic"], archs: [], datasets: [] };

const failure = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return { code: error.code, paths: (error.errors ?? []).map((e) => e.path) };
    throw error;
  }
  throw new Error("no error");
};

/** Image jobs through the job service (docs/architecture.md, Leases and fencing), on PGlite. */
describe("the job service with image jobs", () => {
  const database = usePglite();
  const service = (config: Partial<JobServiceConfig> = {}) =>
    createJobService({
      config: { ...CONFIG, ...config },
      openStores: async () => ({ runs: createRunStore(database().db), sweeps: createSweepStore(database().db), close: async () => {} }),
      wakeEdge: async () => {},
    });
  const submit = async (spec: object) => (await service().submitRun(parseRunSpec(spec), "auto")).run;

  it("stores what an image job needs of a runner, and leases it only to a runner that declared it", async () => {
    const jobs = service();
    const image = await submit(IMAGE);
    expect(image).toMatchObject({ placement: "runner", kind: "image", arch: "mlp-1024-1024", dataset: "mnist" });
    const synthetic = await submit({ ...SYNTHETIC, seed: 1 });
    await jobs.submitRun(parseRunSpec({ ...SYNTHETIC, seed: 2 }), "runner");
    expect(synthetic).toMatchObject({ kind: "synthetic", arch: null, dataset: null });
    // a runner that declares nothing (written before kinds existed) gets synthetic jobs only
    const old = await jobs.leaseRunnerJobs({ runnerId: "old", max: 5 });
    expect(old.map((lease) => lease.hash)).not.toContain(image.hash);
    expect(old).toHaveLength(1);
    expect(await jobs.leaseRunnerJobs({ runnerId: "synthetic", max: 5, capabilities: SYNTHETIC_RUNNER })).toEqual([]);
    const [leased] = await jobs.leaseRunnerJobs({ runnerId: "mlp", max: 5, capabilities: MLP_RUNNER });
    expect(leased).toMatchObject({ hash: image.hash, partial: null, spec: { kind: "image" } });
  });

  it("tells a reader of a queued image job that no runner seen lately can train it, until one can", async () => {
    const jobs = service();
    const image = await submit(IMAGE);
    expect(await jobs.runnerNotice([image])).toMatch(/none has asked this API for work ever/);
    await jobs.leaseRunnerJobs({ runnerId: "synthetic", max: 1, capabilities: SYNTHETIC_RUNNER });
    const notice = await jobs.runnerNotice([image]);
    expect(notice).toBe(
      "waiting for a runner that can train mlp-1024-1024 on mnist; the runners seen lately (1) declare kinds synthetic; archs none; data sets none: start a runner that can (docs/runner.md: data sets, --data-dir)",
    );
    // a synthetic job waiting beside it needs no notice: that runner can take it
    const synthetic = await jobs.submitRun(parseRunSpec({ ...SYNTHETIC, seed: 3 }), "runner");
    expect(await jobs.runnerNotice([synthetic.run])).toBeNull();
    // a runner with the MNIST MLP declared leases it; while it runs nothing waits
    await jobs.leaseRunnerJobs({ runnerId: "mlp", max: 1, capabilities: { ...MLP_RUNNER, kinds: ["image"] } });
    expect(await jobs.runnerNotice([await jobs.getRun(image.hash)])).toBeNull();
    // a second image job, queued, can be trained by a runner seen lately: no notice
    const another = await submit({ ...IMAGE, seed: 1 });
    expect(await jobs.runnerNotice([another])).toBeNull();
  });

  it("counts a runner busy with long jobs as seen: its heartbeats, not only its lease requests, show it is there", async () => {
    const jobs = service();
    const first = await submit(IMAGE);
    const [lease] = await jobs.leaseRunnerJobs({ runnerId: "busy", max: 1, capabilities: MLP_RUNNER });
    const waiting = await submit({ ...IMAGE, seed: 7 });
    // the runner last asked for work ten minutes ago: it has been training since
    await database().db.execute(sql`update runners set last_seen_at = now() - interval '10 minutes' where id = 'busy'`);
    expect(await jobs.runnerNotice([waiting])).toMatch(/none has asked this API for work since/);
    await jobs.heartbeat({ hash: first.hash, leaseId: lease!.leaseId });
    expect(await jobs.runnerNotice([waiting])).toBeNull();
  });

  it("summarizes, for a sweep, which members no runner seen lately can train", async () => {
    const jobs = service();
    const sweep = await jobs.submitSweep(parseSweepSpec({ base: IMAGE, grid: { "pruning.density": [0.5, 0.2] }, repeats: 2 }), "auto");
    expect(sweep.members.map((member) => [member.kind, member.arch, member.dataset])).toEqual(Array(4).fill(["image", "mlp-1024-1024", "mnist"]));
    await jobs.leaseRunnerJobs({ runnerId: "gpu", max: 1, capabilities: { backends: ["tfjs-node-gpu"], kinds: ["image"], archs: ["vgg16"], datasets: ["cifar10"] } });
    expect(await jobs.runnerNotice(sweep.members)).toBe(
      "queued members wait for a runner that can train them (4 for mlp-1024-1024 on mnist); the runners seen lately (1) declare kinds image; archs vgg16; data sets cifar10: start a runner that can (docs/runner.md: data sets, --data-dir)",
    );
    expect(await jobs.runnerNotice([...sweep.members, { status: "queued", placement: "runner", kind: "synthetic", arch: null, dataset: null }])).toMatch(/\(4 for mlp-1024-1024 on mnist, 1 for synthetic runs\)/);
  });

  it("records epoch progress from heartbeats; a synthetic step beyond 2³¹ too", async () => {
    const jobs = service();
    const image = await submit(IMAGE);
    const [lease] = await jobs.leaseRunnerJobs({ runnerId: "mlp", max: 1, capabilities: MLP_RUNNER });
    const progress = { epoch: 1, epochs: 2, level: 0, levels: 0, loss: 0.25 };
    await jobs.heartbeat({ hash: image.hash, leaseId: lease!.leaseId, progress });
    expect((await jobs.getRun(image.hash)).progress).toEqual(progress);
    const synthetic = (await jobs.submitRun(parseRunSpec(SYNTHETIC), "runner")).run;
    const [other] = await jobs.leaseRunnerJobs({ runnerId: "mlp", max: 1, capabilities: MLP_RUNNER });
    await jobs.heartbeat({ hash: synthetic.hash, leaseId: other!.leaseId, step: 2 ** 31 + 5 });
    expect((await jobs.getRun(synthetic.hash)).progress).toEqual({ step: 2 ** 31 + 5 });
  });

  it("stores an IMP job's partial result under its lease, refuses one that does not fit the spec, and resumes it on the next lease", async () => {
    const jobs = service();
    const imp = await submit(IMP);
    const [lease] = await jobs.leaseRunnerJobs({ runnerId: "mlp", max: 1, capabilities: MLP_RUNNER });
    const { leaseId } = lease!;
    expect(await jobs.savePartial({ hash: imp.hash, leaseId, partial: impPartial(0) })).toMatchObject({ partial: impPartial(0) });
    // levels out of order, a checkpoint that is not the last level's, more levels than the spec has
    const shuffled = impPartial(1);
    shuffled.levels.reverse();
    shuffled.checkpoint.level = 0;
    expect(await failure(jobs.savePartial({ hash: imp.hash, leaseId, partial: shuffled }))).toEqual({ code: "validation_failed", paths: ["/partial/levels/0/level", "/partial/checkpoint/level"] });
    expect(await failure(jobs.savePartial({ hash: imp.hash, leaseId, partial: impPartial(3) }))).toMatchObject({ code: "validation_failed", paths: ["/partial/levels"] });
    expect((await jobs.getRun(imp.hash)).partial).toEqual(impPartial(0)); // the refused ones changed nothing
    const stranger = "00000000-0000-4000-8000-000000000000";
    expect(await failure(jobs.savePartial({ hash: imp.hash, leaseId: stranger, partial: impPartial(1) }))).toMatchObject({ code: "lease_lost" });
    expect(await failure(jobs.savePartial({ hash: "f".repeat(64), leaseId, partial: impPartial(1) }))).toMatchObject({ code: "not_found" });
    await jobs.savePartial({ hash: imp.hash, leaseId, partial: impPartial(1) });

    // the runner crashes: the job is requeued, and the next lease resumes from levels 0 and 1
    expect(await jobs.fail({ hash: imp.hash, leaseId, error: { code: "training_failed", message: "the training thread crashed", retryable: true } })).toMatchObject({ status: "queued", attempts: 1 });
    const [again] = await jobs.leaseRunnerJobs({ runnerId: "mlp-2", max: 1, capabilities: MLP_RUNNER });
    expect(again).toMatchObject({ hash: imp.hash, attempts: 1, partial: impPartial(1) });
    expect(await jobs.complete({ hash: imp.hash, leaseId: again!.leaseId, result: impResult(2), provenance: PROVENANCE })).toMatchObject({ status: "succeeded", partial: null });
  });

  it("refuses partial results for jobs that are not IMP", async () => {
    const jobs = service();
    await submit(IMAGE);
    await jobs.submitRun(parseRunSpec(SYNTHETIC), "runner");
    const leases = await jobs.leaseRunnerJobs({ runnerId: "mlp", max: 2, capabilities: MLP_RUNNER });
    expect(leases).toHaveLength(2);
    for (const lease of leases) expect(await failure(jobs.savePartial({ hash: lease.hash, leaseId: lease.leaseId, partial: impPartial(0) }))).toEqual({ code: "validation_failed", paths: ["/partial"] });
  });

  it("refuses a result whose shape is not the spec's kind's, or that contradicts the spec, and keeps the job running", async () => {
    const jobs = service();
    const image = await submit(IMAGE);
    const imp = await submit(IMP);
    const synthetic = (await jobs.submitRun(parseRunSpec(SYNTHETIC), "runner")).run;
    const leases = new Map((await jobs.leaseRunnerJobs({ runnerId: "mlp", max: 3, capabilities: MLP_RUNNER })).map((lease) => [lease.hash, lease.leaseId]));
    const complete = (hash: string, result: object) => jobs.complete({ hash, leaseId: leases.get(hash)!, result: result as never, provenance: PROVENANCE });

    expect(await failure(complete(image.hash, RESULT))).toMatchObject({ code: "validation_failed", paths: expect.arrayContaining(["/result", "/result/diagnostics"]) });
    expect(await failure(complete(synthetic.hash, IMAGE_RESULT))).toMatchObject({ code: "validation_failed", paths: expect.arrayContaining(["/result"]) });
    expect(await failure(complete(image.hash, { ...IMAGE_RESULT, dataset: { ...IMAGE_RESULT.dataset, name: "cifar10" } }))).toEqual({ code: "validation_failed", paths: ["/result/dataset/name"] });
    expect(await failure(complete(image.hash, impResult(2)))).toEqual({ code: "validation_failed", paths: ["/result/levels"] });
    expect(await failure(complete(imp.hash, IMAGE_RESULT))).toEqual({ code: "validation_failed", paths: ["/result/levels"] });
    expect(await failure(complete(imp.hash, impResult(1)))).toEqual({ code: "validation_failed", paths: ["/result/levels"] });
    // a diverged trajectory may stop before its last level, even at level 0
    const diverged = { ...impResult(0), diverged: true };
    for (const hash of [image.hash, imp.hash, synthetic.hash]) expect((await jobs.getRun(hash)).status).toBe("running");

    expect(await complete(imp.hash, diverged)).toMatchObject({ status: "succeeded" });
    expect(await complete(image.hash, IMAGE_RESULT)).toMatchObject({ status: "succeeded", result: IMAGE_RESULT });
    expect(await complete(synthetic.hash, RESULT)).toMatchObject({ status: "succeeded", result: RESULT });
  });

  it("requeues a retryable failure up to MAX_ATTEMPTS, then keeps it failed; a non-retryable one fails at once", async () => {
    const jobs = service();
    const image = await submit(IMAGE);
    const crash = { code: "training_failed" as const, message: "the training thread crashed", retryable: true };
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [lease] = await jobs.leaseRunnerJobs({ runnerId: "mlp", max: 1, capabilities: MLP_RUNNER });
      expect(lease).toMatchObject({ hash: image.hash, attempts: attempt - 1 });
      const row = await jobs.fail({ hash: image.hash, leaseId: lease!.leaseId, error: crash });
      expect(row).toMatchObject({ status: attempt < 3 ? "queued" : "failed", attempts: attempt, error: crash });
    }
    expect(await jobs.leaseRunnerJobs({ runnerId: "mlp", max: 1, capabilities: MLP_RUNNER })).toEqual([]);
    // retry starts the count afresh
    await jobs.retryRun(image.hash);
    const [lease] = await jobs.leaseRunnerJobs({ runnerId: "mlp", max: 1, capabilities: MLP_RUNNER });
    expect(await jobs.fail({ hash: image.hash, leaseId: lease!.leaseId, error: { ...crash, retryable: false } })).toMatchObject({ status: "failed", attempts: 1 });
  });
});
