import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { parseRunSpec } from "../../src/core/index.js";
import { BackendUnavailable } from "../../src/runner/backends.js";
import type { TrainerMessage } from "../../src/runner/runner.js";
import { PYTHON_PACKAGE_DIR, probeTorch, torchRunnerCapabilities, TorchTrainer } from "../../src/runner/torch-child.js";

/** Stands in for the interpreter: speaks the child protocol as FAKE_TORCH_CHILD says. */
const FAKE = fileURLToPath(new URL("../fixtures/fake-torch-child.mjs", import.meta.url));
const SPEC = { kind: "image", data: { trainSize: 100 }, training: { epochs: 2 } };

/** Trains one job with a fake child in `mode`; returns the messages, and the crash if it crashed. */
async function trainWith(mode: string, options: { stallSeconds?: number; partial?: unknown; log?: string } = {}) {
  process.env.FAKE_TORCH_CHILD = mode;
  if (options.log) process.env.FAKE_TORCH_LOG = options.log;
  const trainer = new TorchTrainer({ python: FAKE, stallSeconds: options.stallSeconds ?? 60, dataDir: "some-dir" });
  const messages: TrainerMessage[] = [];
  const crash = await new Promise<Error | undefined>((resolve) => {
    trainer.on("message", (message) => {
      messages.push(message);
      if (message.type === "done" || message.type === "error") resolve(undefined);
    });
    trainer.on("error", resolve);
    trainer.postMessage({ type: "train", spec: SPEC, partial: (options.partial ?? null) as never });
  });
  return { messages, crash, trainer };
}

describe("the torch backend's child process", () => {
  const dir = mkdtempSync(join(tmpdir(), "prunelab-torch-child-"));
  afterEach(() => {
    delete process.env.FAKE_TORCH_CHILD;
    delete process.env.FAKE_TORCH_LOG;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("gives the child the fully resolved spec, the data directory, the resume point and the package on PYTHONPATH, and relays its lines", async () => {
    const log = join(dir, "ok.log");
    const partial = { levels: [{ level: 0 }], checkpoint: { level: 1 } };
    const { messages, crash } = await trainWith("ok", { partial, log });
    expect(crash).toBeUndefined();
    const seen = JSON.parse(readFileSync(log, "utf8").trim());
    expect(seen.spec).toEqual(parseRunSpec(SPEC)); // every default filled in
    expect(seen.spec.training.batchSize).toBe(128);
    expect(seen.resume).toEqual(partial);
    expect(seen.args).toEqual(expect.arrayContaining(["train", "--data-dir", "some-dir", "--resume"]));
    expect(seen.pythonPath.split(":")[0]).toBe(PYTHON_PACKAGE_DIR);
    expect(messages.map((message) => message.type)).toEqual(["progress", "progress", "partial", "progress", "done"]);
    expect(messages[0]).toEqual({ type: "progress", epoch: 0, epochs: 2, level: 0, levels: 0, loss: null });
    expect(messages.at(-1)).toMatchObject({ type: "done", engine: { backend: "torch", trainer: "torch", torch: "1.13.1" } });
  });

  it("relays an error line with its code and retryability", async () => {
    const { messages, crash } = await trainWith("error");
    expect(crash).toBeUndefined();
    expect(messages.at(-1)).toEqual({ type: "error", code: "data_missing", message: "cifar10's files are not in the data directory", retryable: true });
  });

  it("reports a child that exits without a result as a crash, with its last output", async () => {
    const { crash } = await trainWith("crash");
    expect(crash?.message).toMatch(/exited with code 3 without a result.*Traceback: something broke/);
  });

  it("kills a child that says nothing for the stall limit", async () => {
    const { crash, trainer } = await trainWith("stall", { stallSeconds: 1 });
    expect(crash?.message).toMatch(/no progress for 1 s and was killed/);
    expect(trainer.pid).toBeUndefined(); // the child is gone
  });

  it("kills a child that writes something that is not the protocol", async () => {
    const { crash } = await trainWith("garbage");
    expect(crash?.message).toMatch(/not JSON: not json/);
  });

  it("kills the child on terminate, without reporting a crash", async () => {
    process.env.FAKE_TORCH_CHILD = "stall";
    const trainer = new TorchTrainer({ python: FAKE, stallSeconds: 60 });
    const crashes: Error[] = [];
    trainer.on("error", (error) => crashes.push(error));
    const first = new Promise((resolve) => trainer.on("message", resolve));
    trainer.postMessage({ type: "train", spec: SPEC, partial: null });
    await first;
    const pid = trainer.pid!;
    expect(() => process.kill(pid, 0)).not.toThrow();
    await trainer.terminate();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(crashes).toEqual([]);
  });

  it("declares image jobs only, the architectures the child trains and the data sets it finds", async () => {
    process.env.FAKE_TORCH_CHILD = "ok";
    expect(torchRunnerCapabilities(await probeTorch({ python: FAKE }))).toEqual({ backends: ["torch"], kinds: ["image"], archs: ["mlp-1024-1024", "vgg16", "resnet20", "resnet20-128"], datasets: ["mnist"] });
    expect((await probeTorch({ python: FAKE, dataDir: "with-cifar" })).datasets).toEqual(["mnist", "cifar10"]);
  });

  it("refuses to start without an interpreter, or without torch, saying what to install", async () => {
    await expect(probeTorch({ python: join(dir, "no-such-python") })).rejects.toThrow(BackendUnavailable);
    await expect(probeTorch({ python: join(dir, "no-such-python") })).rejects.toThrow(/could not be started.*PRUNELAB_PYTHON/s);
    process.env.FAKE_TORCH_CHILD = "missing-torch";
    await expect(probeTorch({ python: FAKE })).rejects.toThrow(/No module named 'torch'.*python3-torch/s);
  });
});
