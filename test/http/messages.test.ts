import { describe, expect, it } from "vitest";
import { postJson, useHttpHarness } from "./harness.js";

/** Validation answers in the user's own terms: where the mistake is, what was meant, what to send. */
describe("validation messages", () => {
  const { appWith, countRuns } = useHttpHarness();
  const problemOf = async (response: Response) => ({ status: response.status, ...(await response.json()) });

  it("says a bare spec needs the { spec } wrapper, for runs and sweeps", async () => {
    const run = await problemOf(await appWith().request("/v1/runs", postJson({ pruning: { sparsity: 0.5 } })));
    expect(run).toMatchObject({ status: 422, type: "/problems/validation_failed", errors: [{ path: "/spec", message: expect.stringContaining('send it as { "spec"') }] });
    const sweep = await problemOf(await appWith().request("/v1/sweeps", postJson({ grid: { "pruning.sparsity": [0, 0.5] } })));
    expect(sweep.errors).toEqual([{ path: "/spec", message: expect.stringContaining("bare sweep spec") }]);
    const other = await problemOf(await appWith().request("/v1/runs", postJson({ options: { placement: "edge" } })));
    expect(other.errors[0].message).toContain('the body is { "spec"');
    expect(JSON.stringify([run, sweep, other])).not.toContain("nonoptional");
    expect(await countRuns()).toBe(0);
  });

  it("hashes a bare spec and a { spec } body alike, reporting errors under the path the user sent", async () => {
    const bare = await (await appWith().request("/v1/specs/hash", postJson({ seed: 3 }))).json();
    const wrapped = await (await appWith().request("/v1/specs/hash", postJson({ spec: { seed: 3 }, options: { placement: "runner" } }))).json();
    expect(wrapped.hash).toBe(bare.hash);
    const sweep = await (await appWith().request("/v1/specs/hash", postJson({ spec: { grid: { "model.width": [10, 20] } } }))).json();
    expect(sweep.kind).toBe("sweep");
    const wrong = await problemOf(await appWith().request("/v1/specs/hash", postJson({ spec: { data: { patchDim: 0 } } })));
    expect(wrong.errors[0].path).toBe("/spec/data/patchDim");
    const wrongBare = await problemOf(await appWith().request("/v1/specs/hash", postJson({ data: { patchDim: 0 } })));
    expect(wrongBare.errors[0].path).toBe("/data/patchDim");
  });

  it("suggests the field an unknown one most likely meant, and none for a stranger", async () => {
    const problem = await problemOf(await appWith().request("/v1/runs", postJson({ spec: { data: { patchdim: 40, colour: "red" }, trainig: {} } })));
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { path: "/spec/data/patchdim", message: 'unknown field (did you mean "patchDim"?)' },
        { path: "/spec/data/colour", message: "unknown field" },
        { path: "/spec/trainig", message: 'unknown field (did you mean "training"?)' },
      ]),
    );
    const envelope = await problemOf(await appWith().request("/v1/runs", postJson({ spec: {}, option: {} })));
    expect(envelope.errors).toEqual([{ path: "/option", message: 'unknown field (did you mean "options"?)' }]);
  });

  it("reports a sparsity grid value against sparsity, as written", async () => {
    const problem = await problemOf(await appWith().request("/v1/sweeps", postJson({ spec: { grid: { "pruning.sparsity": [0, 1.5] } } })));
    expect(problem.errors).toEqual([{ path: "/spec/grid/pruning.sparsity/1", message: "a sparsity is a number from 0 to 1" }]);
    expect(JSON.stringify(problem)).not.toContain("density");
  });

  it("answers a bad query parameter as a query problem, not a body one", async () => {
    const problem = await problemOf(await appWith().request("/v1/sweeps?limit=0&cursr=x"));
    expect(problem).toMatchObject({ status: 400, type: "/problems/invalid_query", title: "The query parameters are not valid" });
    expect(problem.errors).toEqual(expect.arrayContaining([{ path: "/cursr", message: 'unknown field (did you mean "cursor"?)' }]));
  });
});
