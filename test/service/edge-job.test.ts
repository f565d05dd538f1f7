import { beforeAll, describe, expect, it } from "vitest";
import { identifyRunSpec, parseSyntheticSpec, provenanceSchema } from "../../src/core/index.js";
import { runNextEdgeJob } from "../../src/service/edge-job.js";
import { useNodeBackend } from "../../src/engine/node.js";
import { engineInfo, train as trainSynthetic } from "../../src/engine/train.js";
import { trainRun as train } from "../../src/engine/trainers.js";
import { createRunStore } from "../../src/store/index.js";
import { usePglite } from "../store/databases.js";

describe("edge jobs", () => {
  const database = usePglite();
  beforeAll(async () => {
    await useNodeBackend("wasm");
  });
  const small = { data: { patchDim: 20, trainSize: 12, testSize: 12 }, model: { width: 4 }, training: { steps: 30, evalEvery: 10 } };
  const submit = async (input: object) => {
    const identity = await identifyRunSpec(parseSyntheticSpec(input));
    await createRunStore(database().db).submit({ hash: identity.hash, spec: JSON.parse(identity.canonical), placement: "edge", requirements: { kind: "synthetic", arch: null, dataset: null }, queuedCap: 10 });
    return identity.hash;
  };
  const deps = (overrides: Partial<Parameters<typeof runNextEdgeJob>[0]> = {}) => ({ runs: createRunStore(database().db), train, engine: engineInfo, leaseMs: 60_000, holder: "edge", ...overrides });

  it("trains the oldest queued edge job and stores its result with provenance", async () => {
    const hash = await submit(small);
    expect(await runNextEdgeJob(deps())).toEqual({ hash, status: "succeeded" });
    const run = await createRunStore(database().db).get(hash);
    expect(run!.status).toBe("succeeded");
    expect(run!.result).toEqual(await trainSynthetic(parseSyntheticSpec(small)));
    expect(provenanceSchema.parse(run!.provenance)).toMatchObject({ executor: "edge", engine: { backend: "wasm" } });
    expect(await runNextEdgeJob(deps())).toBeNull(); // nothing left: a repeated wake-up trains nothing
  });

  it("stops training when the run is canceled under it", async () => {
    const hash = await submit({ ...small, training: { steps: 100_000, evalEvery: 1000 } });
    const runs = createRunStore(database().db);
    let steps = 0;
    const outcome = await runNextEdgeJob(
      deps({
        train: (spec, options) =>
          train(spec, {
            ...options,
            onProgress: (p) => {
              steps = p.step;
              if (p.step === 3) void runs.cancel(hash);
              options.onProgress(p);
            },
          }),
      }),
    );
    expect(outcome).toEqual({ hash, status: "lease_lost" });
    expect(steps).toBeLessThanOrEqual(3 + 500 + 1); // the next heartbeat after the cancel, then one step
    expect((await runs.get(hash))!.status).toBe("canceled");
  });

  it("records a training failure as failed, not retryable", async () => {
    const hash = await submit(small);
    const outcome = await runNextEdgeJob(deps({ train: async () => Promise.reject(new Error("boom")) }));
    expect(outcome).toEqual({ hash, status: "failed" });
    expect((await createRunStore(database().db).get(hash))!.error).toMatchObject({ code: "training_failed", retryable: false });
  });
});
