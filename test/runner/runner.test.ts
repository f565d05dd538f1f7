import { EventEmitter } from "node:events";
import type { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { createPrunelabClient } from "../../src/client/index.js";
import { parseRunSpec, type PartialResult } from "../../src/core/index.js";
import { createApp } from "../../src/http/app.js";
import { parseApiConfig } from "../../src/http/config.js";
import { createRunner, type RunnerEvent } from "../../src/runner/runner.js";
import { createJobService } from "../../src/service/index.js";
import { createRunStore, createSweepStore } from "../../src/store/index.js";
import { impPartial, impResult } from "../fixtures/image-protocol.js";
import { usePglite } from "../store/databases.js";

const TOKEN = "runner-token-0123456789";
const MLP = { backends: ["wasm"], kinds: ["synthetic", "image"] as ("synthetic" | "image")[], archs: ["mlp-1024-1024"], datasets: ["mnist"] };
const IMP = { kind: "image", data: { trainSize: 100 }, training: { epochs: 2 }, pruning: { method: "imp", levels: 2 } };

/** What a scripted training thread says for one job: messages in order, or a crash. */
type Script = (spec: { kind: string }, partial: PartialResult | null) => ({ type: string; [key: string]: unknown } | { crash: string })[];

/**
 * A training thread that says what its script says (the runner's `spawnTrainer` is replaceable for
 * this): the protocol around the trainer is under test here, not the trainer.
 */
function scriptedTrainer(script: Script, seen: { partial: PartialResult | null }[]) {
  return () => {
    const worker = new EventEmitter() as EventEmitter & { postMessage(message: unknown): void; terminate(): Promise<number> };
    worker.postMessage = (message) => {
      const { spec, partial } = message as { spec: { kind: string }; partial: PartialResult | null };
      seen.push({ partial });
      void (async () => {
        for (const step of script(spec, partial)) {
          await new Promise((resolve) => setTimeout(resolve, 400)); // a heartbeat (every 1/3 s) gets a turn between messages
          if ("crash" in step) worker.emit("error", new Error(String(step.crash)));
          else worker.emit("message", step);
        }
      })();
    };
    worker.terminate = async () => 0;
    return worker as unknown as Worker;
  };
}

/** A companion runner against the app (app.request as its fetch) on PGlite, with a scripted training thread. */
describe("the companion runner with image jobs", () => {
  const database = usePglite();
  const stores = async () => ({ runs: createRunStore(database().db), sweeps: createSweepStore(database().db), close: async () => {} });
  const config = parseApiConfig({ RUNNER_TOKEN: TOKEN, LEASE_MIN_SECONDS: "1" });
  // The app itself, not the harness: a lease answer holds an image spec, whose openapi component is written by hand.
  const app = createApp({ config, openStores: stores, wakeEdge: async () => {}, openapiDocument: "" });
  const service = createJobService({ config, openStores: stores });
  const client = createPrunelabClient("http://prunelab.test", { token: TOKEN, fetch: (input, init) => Promise.resolve(app.request(input instanceof Request ? input : String(input), init)) });

  /** Runs a runner until `done` holds of the run, then stops it; returns its events. */
  async function runUntil(hash: string, done: (status: string) => boolean, script: Script, seen: { partial: PartialResult | null }[] = []) {
    const events: RunnerEvent[] = [];
    const runner = createRunner({ client, runnerId: "test-runner", concurrency: 1, backend: "wasm", capabilities: MLP, leaseSeconds: 1, pollSeconds: 0.1, onEvent: (event) => events.push(event), spawnTrainer: scriptedTrainer(script, seen) });
    const running = runner.start();
    for (let i = 0; i < 200 && !done((await service.getRun(hash)).status); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    await runner.stop();
    await running;
    return events;
  }

  it("reports each epoch's progress and each finished level (a partial result), and completes an IMP job", async () => {
    const { run } = await service.submitRun(parseRunSpec(IMP), "auto");
    const events = await runUntil(run.hash, (status) => status === "succeeded", () => [
      { type: "progress", epoch: 1, epochs: 2, level: 0, levels: 2, loss: 0.5 },
      { type: "partial", partial: impPartial(0) },
      { type: "progress", epoch: 2, epochs: 2, level: 1, levels: 2, loss: 0.25 },
      { type: "partial", partial: impPartial(1) },
      { type: "done", result: impResult(2), engine: { tfjs: "4.22.0", backend: "wasm", simd: true, threads: 1, trainer: "mlp" } },
    ]);
    const stored = await service.getRun(run.hash);
    expect(stored).toMatchObject({ status: "succeeded", result: impResult(2), partial: null, provenance: { runnerId: "test-runner" } });
    expect(events.filter((e) => e.event === "partial").map((e) => e.levels)).toEqual([1, 2]);
    expect(events.filter((e) => e.event === "progress").map((e) => [e.level, e.epoch, e.loss])).toEqual([
      [0, 1, 0.5],
      [1, 2, 0.25],
    ]);
  });

  it("stores the epoch progress a heartbeat carries and the partial result while the job runs", async () => {
    const { run } = await service.submitRun(parseRunSpec(IMP), "auto");
    await runUntil(
      run.hash,
      (status) => status === "failed",
      () => [
        { type: "progress", epoch: 1, epochs: 2, level: 1, levels: 2, loss: 0.125 },
        { type: "partial", partial: impPartial(0) },
        { type: "progress", epoch: 1, epochs: 2, level: 1, levels: 2, loss: 0.125 }, // time for a heartbeat to carry it
        { type: "progress", epoch: 1, epochs: 2, level: 1, levels: 2, loss: 0.125 },
        { type: "error", code: "training_failed", message: "stop here", retryable: false },
      ],
    );
    const during = await service.getRun(run.hash);
    // failed now, so progress is not shown; the row kept what the heartbeats stored, and the partial result
    expect(during.progress).toEqual({ epoch: 1, epochs: 2, level: 1, levels: 2, loss: 0.125 });
    expect(during.partial).toEqual(impPartial(0));
    expect(during.error).toEqual({ code: "training_failed", message: "stop here", retryable: false });
  });

  it("reports a crashed training thread as retryable: the job is queued again and the next lease resumes from its partial result", async () => {
    const { run } = await service.submitRun(parseRunSpec(IMP), "auto");
    const seen: { partial: PartialResult | null }[] = [];
    let attempt = 0;
    await runUntil(
      run.hash,
      (status) => status === "succeeded",
      () => (++attempt === 1 ? [{ type: "partial", partial: impPartial(1) }, { crash: "out of memory" }] : [{ type: "done", result: impResult(2), engine: { tfjs: "4.22.0", backend: "wasm", simd: true, threads: 1 } }]),
      seen,
    );
    expect(seen).toEqual([{ partial: null }, { partial: impPartial(1) }]);
    expect(await service.getRun(run.hash)).toMatchObject({ status: "succeeded", attempts: 1 });
  });

  it("is never leased an image job it did not declare", async () => {
    const { run } = await service.submitRun(parseRunSpec({ ...IMP, seed: 7 }), "auto");
    const events: RunnerEvent[] = [];
    const runner = createRunner({ client, runnerId: "synthetic-only", concurrency: 1, backend: "wasm", capabilities: { ...MLP, kinds: ["synthetic"], archs: [], datasets: [] }, leaseSeconds: 1, pollSeconds: 0.05, onEvent: (event) => events.push(event), spawnTrainer: scriptedTrainer(() => [], []) });
    const running = runner.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await runner.stop();
    await running;
    expect(events.some((event) => event.event === "leased")).toBe(false);
    expect((await service.getRun(run.hash)).status).toBe("queued");
    expect(await service.runnerNotice([await service.getRun(run.hash)])).toMatch(/^waiting for a runner that can train mlp-1024-1024 on mnist; the runners seen lately \(1\) declare kinds synthetic/);
  });
});
