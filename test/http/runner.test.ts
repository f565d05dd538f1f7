import { describe, expect, it } from "vitest";
import { PROVENANCE, RESULT } from "../store/suite.js";
import { postJson, useHttpHarness } from "./harness.js";

const TOKEN = "runner-token-0123456789";
const auth = { authorization: `Bearer ${TOKEN}` };

describe("runner protocol over HTTP (app.request, PGlite)", () => {
  const { appWith } = useHttpHarness();
  const app = () => appWith({ RUNNER_TOKEN: TOKEN, LEASE_MIN_SECONDS: "1" });
  const submitRunnerJob = async (seed: number) =>
    (await (await app().request("/v1/runs", postJson({ spec: { seed }, options: { placement: "runner" } }))).json()).hash as string;
  const lease = async () => app().request("/v1/runner/lease", postJson({ runnerId: "r1", max: 2 }, auth));

  it("is closed without a configured token and refuses a wrong one", async () => {
    const closed = await appWith().request("/v1/runner/lease", postJson({ runnerId: "r1" }, auth));
    expect(closed.status).toBe(403);
    expect((await closed.json()).type).toBe("/problems/forbidden");
    const wrong = await app().request("/v1/runner/lease", postJson({ runnerId: "r1" }, { authorization: "Bearer nope" }));
    expect(wrong.status).toBe(401);
  });

  it("leases a runner job, takes heartbeats and one result, then refuses the lease", async () => {
    expect((await lease()).status).toBe(204);
    const hash = await submitRunnerJob(1);
    const leased = await (await lease()).json();
    expect(leased.jobs).toHaveLength(1);
    const [job] = leased.jobs;
    expect(job).toMatchObject({ hash, spec: { seed: 1, version: 1 } });
    const base = `/v1/runner/jobs/${hash}`;
    const beat = await app().request(`${base}/heartbeat`, postJson({ leaseId: job.leaseId, step: 10 }, auth));
    expect(beat.status).toBe(200);
    expect((await (await app().request(`/v1/runs/${hash}`)).json()).progress).toEqual({ step: 10 });

    const done = await app().request(`${base}/complete`, postJson({ leaseId: job.leaseId, result: RESULT, provenance: PROVENANCE }, auth));
    expect(done.status).toBe(200);
    const again = await app().request(`${base}/complete`, postJson({ leaseId: job.leaseId, result: { ...RESULT, diverged: true }, provenance: PROVENANCE }, auth));
    expect(again.status).toBe(409);
    expect((await again.json()).type).toBe("/problems/lease_lost");
    const stored = await (await app().request(`/v1/runs/${hash}`)).json();
    expect(stored).toMatchObject({ status: "succeeded", result: RESULT, provenance: PROVENANCE });
  });

  it("refuses a malformed result and keeps the job running", async () => {
    const hash = await submitRunnerJob(2);
    const [job] = (await (await lease()).json()).jobs;
    const bad = await app().request(`/v1/runner/jobs/${hash}/complete`, postJson({ leaseId: job.leaseId, result: { ...RESULT, final: { trainLoss: "low" } }, provenance: PROVENANCE }, auth));
    expect(bad.status).toBe(422);
    expect((await bad.json()).errors.map((e: { path: string }) => e.path)).toContain("/result/final/trainLoss");
    expect((await (await app().request(`/v1/runs/${hash}`)).json()).status).toBe("running");
  });

  it("records a failure with whether it is retryable (requeued while attempts remain), and retry requeues it", async () => {
    const hash = await submitRunnerJob(3);
    const [job] = (await (await lease()).json()).jobs;
    const crashed = await app().request(`/v1/runner/jobs/${hash}/fail`, postJson({ leaseId: job.leaseId, error: { code: "training_failed", message: "out of memory" }, retryable: true }, auth));
    expect(await crashed.json()).toEqual({ hash, status: "queued" });
    // back in the queue with one attempt counted; the error stays for the record
    expect(await (await app().request(`/v1/runs/${hash}`)).json()).toMatchObject({ status: "queued", attempts: 1, error: { code: "training_failed", message: "out of memory", retryable: true } });
    const [again] = (await (await lease()).json()).jobs;
    expect(again).toMatchObject({ hash, attempts: 1 });
    const failed = await app().request(`/v1/runner/jobs/${hash}/fail`, postJson({ leaseId: again.leaseId, error: { code: "training_failed", message: "NaN in the weights" }, retryable: false }, auth));
    expect(failed.status).toBe(200);
    const view = await (await app().request(`/v1/runs/${hash}`)).json();
    expect(view).toMatchObject({ status: "failed", attempts: 2, error: { code: "training_failed", message: "NaN in the weights", retryable: false } });
    expect((await (await app().request(`/v1/runs/${hash}/retry`, { method: "POST" })).json()).status).toBe("queued");
    expect((await app().request(`/v1/runner/jobs/${hash}/heartbeat`, postJson({ leaseId: again.leaseId }, auth))).status).toBe(409);
  });

  it("refuses a failure whose code is not in the error vocabulary and keeps the job running", async () => {
    const hash = await submitRunnerJob(4);
    const [job] = (await (await lease()).json()).jobs;
    const unknown = await app().request(`/v1/runner/jobs/${hash}/fail`, postJson({ leaseId: job.leaseId, error: { code: "oom", message: "out of memory" }, retryable: true }, auth));
    expect(unknown.status).toBe(422);
    expect((await unknown.json()).errors.map((e: { path: string }) => e.path)).toEqual(["/error/code"]);
    expect((await (await app().request(`/v1/runs/${hash}`)).json()).status).toBe("running");
  });
});
