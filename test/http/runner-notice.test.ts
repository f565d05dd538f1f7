import { describe, expect, it } from "vitest";
import { postJson, useHttpHarness } from "./harness.js";

const TOKEN = "runner-token-0123456789";

/** A run that waits for a companion runner says so when none can take it. */
describe("waiting on a runner", () => {
  const { appWith } = useHttpHarness();
  const submit = async (env: Record<string, string>) =>
    (await appWith(env).request("/v1/runs", postJson({ spec: { seed: 4 }, options: { placement: "runner" } }))).json();

  it("says the runner protocol is closed when the API has no runner token", async () => {
    const run = await submit({});
    expect(run.notice).toMatch(/no RUNNER_TOKEN configured/);
    expect((await (await appWith().request(`/v1/runs/${run.hash}`)).json()).notice).toMatch(/no RUNNER_TOKEN/);
  });

  it("says no runner has asked for work, until one does; edge runs and finished runs carry no notice", async () => {
    const env = { RUNNER_TOKEN: TOKEN };
    const run = await submit(env);
    expect(run.notice).toMatch(/none has asked this API for work ever: start one with `npm run runner/);
    const sweep = await (await appWith(env).request("/v1/sweeps", postJson({ spec: { grid: { "model.width": [11, 12] } }, options: { placement: "runner" } }))).json();
    expect(sweep.notice).toMatch(/none has asked/);

    const leased = await appWith(env).request("/v1/runner/lease", postJson({ runnerId: "r1", max: 1 }, { authorization: `Bearer ${TOKEN}` }));
    expect(leased.status).toBe(200);
    // one runner asked just now: the jobs still queued wait for it, without a notice
    expect((await (await appWith(env).request(`/v1/sweeps/${sweep.hash}`)).json()).notice).toBeNull();
    const edge = await (await appWith(env).request("/v1/runs", postJson({ spec: { seed: 5 } }))).json();
    expect(edge).toMatchObject({ placement: "edge", notice: null });
  });
});
