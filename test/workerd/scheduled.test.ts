import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/worker.js";

/** The cron handler returns expired leases to the queue (docs/architecture.md, Edge jobs, wake-ups and the cron). */
describe("the Worker's scheduled handler", () => {
  const call = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
    worker.fetch(
      new Request(`http://prunelab.test${path}`, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) }),
      env,
      { waitUntil: () => {} } as never,
    );

  it("requeues a runner job whose lease expired, with one more attempt", async () => {
    const runner = { authorization: "Bearer workerd-test-runner-token" };
    const { hash } = await (await call("/v1/runs", { spec: { seed: 31337 }, options: { placement: "runner" } })).json();
    const leased = await (await call("/v1/runner/lease", { runnerId: "sleepy", leaseSeconds: 1 }, runner)).json();
    expect(leased.jobs.map((job: { hash: string }) => job.hash)).toContain(hash);
    expect((await (await call(`/v1/runs/${hash}`)).json()).status).toBe("running");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await worker.scheduled({} as never, env);
    expect(await (await call(`/v1/runs/${hash}`)).json()).toMatchObject({ status: "queued", attempts: 1 });
  });
});
