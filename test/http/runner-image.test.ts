import { describe, expect, it } from "vitest";
import { parseRunSpec, runViewSchema } from "../../src/core/index.js";
import { toRunView } from "../../src/http/views.js";
import { createJobService } from "../../src/service/index.js";
import { createRunStore, createSweepStore } from "../../src/store/index.js";
import { IMAGE_RESULT, impPartial } from "../fixtures/image-protocol.js";
import { PROVENANCE, RESULT } from "../store/suite.js";
import { postJson, useHttpHarness } from "./harness.js";

const TOKEN = "runner-token-0123456789";
const auth = { authorization: `Bearer ${TOKEN}` };
const MLP_RUNNER = { backends: ["wasm"], kinds: ["synthetic", "image"], archs: ["mlp-1024-1024"], datasets: ["mnist"] };
const IMP = { kind: "image", data: { trainSize: 100 }, training: { epochs: 2 }, pruning: { method: "imp", levels: 2 } };

/**
 * The runner protocol's image-job calls over HTTP (app.request, PGlite; every response checked
 * against openapi.yaml): capabilities on the lease, epoch progress on heartbeats, partial results,
 * and results checked against the spec's kind.
 */
describe("runner protocol for image jobs over HTTP", () => {
  const { appWith, db } = useHttpHarness();
  // a small body limit for specs and heartbeats; partial results and results get MAX_RESULT_BYTES
  const ENV = { RUNNER_TOKEN: TOKEN, LEASE_MIN_SECONDS: "1", MAX_BODY_BYTES: "512" };
  const app = () => appWith(ENV);
  const service = () =>
    createJobService({
      config: { QUEUED_CAP: 100, EDGE_MAX_MACS: 5e11, LEASE_MIN_SECONDS: 1, LEASE_MAX_SECONDS: 600, LEASE_DEFAULT_SECONDS: 60, MAX_ATTEMPTS: 3, RUNNER_TOKEN: TOKEN },
      openStores: async () => ({ runs: createRunStore(db()), sweeps: createSweepStore(db()), close: async () => {} }),
    });
  /** An image job leased by a capable runner (through the service: the lease answer holds the image spec, whose openapi component is written by hand). */
  const leasedImageJob = async (spec: object = IMP) => {
    const jobs = service();
    const { run } = await jobs.submitRun(parseRunSpec(spec), "auto");
    const [lease] = await jobs.leaseRunnerJobs({ runnerId: "mlp", max: 1, capabilities: MLP_RUNNER });
    expect(lease!.hash).toBe(run.hash);
    return { hash: run.hash, leaseId: lease!.leaseId };
  };

  it("leases a runner that declares no kinds only synthetic jobs; every lease carries its partial result", async () => {
    await service().submitRun(parseRunSpec(IMP), "auto");
    const lease = (body: object) => app().request("/v1/runner/lease", postJson({ runnerId: "r1", max: 4, ...body }, auth));
    expect((await lease({})).status).toBe(204);
    expect((await lease({ capabilities: { backends: ["wasm"], kinds: ["synthetic", "image"], archs: ["mlp-1024-1024"] } })).status).toBe(204); // no data set
    const synthetic = (await (await app().request("/v1/runs", postJson({ spec: { seed: 9 }, options: { placement: "runner" } }))).json()).hash;
    const leased = await lease({ capabilities: { kinds: ["synthetic"] } });
    expect(leased.status).toBe(200);
    expect((await leased.json()).jobs).toEqual([expect.objectContaining({ hash: synthetic, partial: null, attempts: 0 })]);
  });

  it("refuses malformed capabilities", async () => {
    const bad = async (capabilities: object) => {
      const response = await app().request("/v1/runner/lease", postJson({ runnerId: "r1", capabilities }, auth));
      expect(response.status).toBe(422);
      return (await response.json()).errors.map((e: { path: string }) => e.path);
    };
    expect(await bad({ kinds: "image" })).toEqual(["/capabilities/kinds"]);
    expect(await bad({ archs: ["mlp\u0000"] })).toEqual(["/capabilities/archs/0"]);
    expect(await bad({ datasets: [""] })).toEqual(["/capabilities/datasets/0"]);
    expect(await bad({ gpus: 2 })).toEqual(["/capabilities/gpus"]);
  });

  it("records epoch progress from heartbeats and shows it in the run's view", async () => {
    const { hash, leaseId } = await leasedImageJob();
    const beat = (body: object) => app().request(`/v1/runner/jobs/${hash}/heartbeat`, postJson({ leaseId, ...body }, auth));
    const progress = { epoch: 1, epochs: 2, level: 1, levels: 2, loss: 0.08 };
    expect((await beat({ progress })).status).toBe(200);
    expect(toRunView(await service().getRun(hash)).progress).toEqual({ step: null, ...progress });
    const refused = await beat({ progress: { ...progress, epoch: -1, extra: 1 } });
    expect(refused.status).toBe(422);
    expect((await refused.json()).errors.map((e: { path: string }) => e.path).sort()).toEqual(["/progress/epoch", "/progress/extra"]);
    // a synthetic step beyond 2³¹ (the old column's bound) is accepted and stored exactly
    expect((await beat({ step: 2 ** 31 + 1 })).status).toBe(200);
    expect((await service().getRun(hash)).progress).toEqual({ step: 2 ** 31 + 1 });
    expect((await beat({ step: Number.MAX_SAFE_INTEGER + 1 })).status).toBe(422);
  });

  it("stores partial results under the lease (result-sized bodies), shows their levels, and hands them to the next lease", async () => {
    const { hash, leaseId } = await leasedImageJob();
    const partial = impPartial(1);
    expect(JSON.stringify({ leaseId, partial }).length).toBeGreaterThan(512); // over MAX_BODY_BYTES, under MAX_RESULT_BYTES
    const post = (body: object) => app().request(`/v1/runner/jobs/${hash}/partial`, postJson(body, auth));
    const stored = await post({ leaseId, partial });
    expect(stored.status).toBe(200);
    expect(await stored.json()).toEqual({ hash, status: "running" });
    const view = toRunView(await service().getRun(hash));
    expect(runViewSchema.safeParse(view).success).toBe(true);
    expect(view.partial).toEqual(partial.levels.map((level) => ({ level: level.level, density: level.density, final: level.final })));

    const lost = await post({ leaseId: "00000000-0000-4000-8000-000000000000", partial });
    expect(lost.status).toBe(409);
    expect((await lost.json()).type).toBe("/problems/lease_lost");
    const malformed = await post({ leaseId, partial: { ...partial, checkpoint: { level: 1, masks: [{ layer: "fc1", weights: 16, bits: "not base64!" }] } } });
    expect(malformed.status).toBe(422);
    expect((await malformed.json()).errors.map((e: { path: string }) => e.path)).toEqual(["/partial/checkpoint/masks/0/bits"]);
    expect((await app().request(`/v1/runner/jobs/${hash}/partial`, postJson({ leaseId, partial }))).status).toBe(401);

    // the runner crashes (retryable): the job is queued again and its next lease resumes from the partial result
    const failed = await app().request(`/v1/runner/jobs/${hash}/fail`, postJson({ leaseId, error: { code: "training_failed", message: "the training thread crashed" }, retryable: true }, auth));
    expect(await failed.json()).toEqual({ hash, status: "queued" });
    const [again] = await service().leaseRunnerJobs({ runnerId: "mlp-2", max: 1, capabilities: MLP_RUNNER });
    expect(again).toMatchObject({ hash, attempts: 1, partial });
  });

  it("refuses a result of another kind's shape with the paths that are wrong, and keeps the job running", async () => {
    const { hash, leaseId } = await leasedImageJob({ ...IMP, pruning: { method: "random", density: 0.5 } });
    const complete = (result: object) => app().request(`/v1/runner/jobs/${hash}/complete`, postJson({ leaseId, result, provenance: PROVENANCE }, auth));
    const wrong = await complete(RESULT);
    expect(wrong.status).toBe(422);
    const problem = await wrong.json();
    expect(problem.type).toBe("/problems/validation_failed");
    expect(problem.errors[0]).toEqual({ path: "/result", message: "the spec's kind is image: the result must have its shape" });
    expect((await service().getRun(hash)).status).toBe("running");
    const done = await complete(IMAGE_RESULT);
    expect(done.status).toBe(200);
    expect(await done.json()).toEqual({ hash, status: "succeeded" });
  });
});
