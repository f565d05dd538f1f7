/**
 * The torch backend's trainer: each job runs in a Python child process (`python -m prunelab_torch
 * train`) that writes JSON lines; this module speaks that protocol and presents the child to the
 * runner as a `TrainerHandle`, like a tfjs training thread (docs/decisions/014-torch-backend.md).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ERROR_CODES, IMAGE_ARCHS, IMAGE_DATASETS, parseRunSpec, type EngineInfo, type ErrorCode, type PartialResult, type RunResult } from "../core/index.js";
import { BACKEND_ARCHS, BackendUnavailable } from "./backends.js";
import type { RunnerCapabilities } from "./capabilities.js";
import type { TrainerHandle } from "./runner.js";

/** The repository's Python folder, holding the `prunelab_torch` package. */
export const PYTHON_PACKAGE_DIR = fileURLToPath(new URL("../../python", import.meta.url));

export interface TorchOptions {
  /** The Python interpreter that has torch (`PRUNELAB_PYTHON`, `--python`). */
  python: string;
  dataDir?: string;
  /** A child with no protocol line for this long is killed, and its job fails retryably. */
  stallSeconds: number;
}

/** The child's environment: the repository's Python folder first on `PYTHONPATH`. */
function childEnv(): NodeJS.ProcessEnv {
  const path = process.env.PYTHONPATH;
  return { ...process.env, PYTHONPATH: path ? `${PYTHON_PACKAGE_DIR}${delimiter}${path}` : PYTHON_PACKAGE_DIR };
}

const dataArgs = (dataDir?: string) => (dataDir === undefined ? [] : ["--data-dir", dataDir]);

/** What `prunelab_torch capabilities` prints. */
export interface TorchCapabilities {
  archs: string[];
  datasets: string[];
  torch: string;
  device: string;
  cuda: string | null;
}

/**
 * Asks the Python trainer what it trains here, once, before leasing: throws `BackendUnavailable`
 * (the runner's exit code 3) when the interpreter, the package or torch is missing.
 */
export async function probeTorch(options: Pick<TorchOptions, "python" | "dataDir">): Promise<TorchCapabilities> {
  const { code, stdout, stderr, error } = await new Promise<{ code: number | null; stdout: string; stderr: string; error?: Error }>((resolve) => {
    const child = spawn(options.python, ["-m", "prunelab_torch", "capabilities", ...dataArgs(options.dataDir)], { env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", (error) => resolve({ code: null, stdout, stderr, error }));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  const advice = "Install PyTorch (Debian: `apt-get install python3-torch libopenblas0-pthread`; a GPU: docs/runner.md, GPUs) and point PRUNELAB_PYTHON or --python at the interpreter that has it.";
  if (error) throw new BackendUnavailable(`the torch backend was selected but the Python interpreter "${options.python}" could not be started (${error.message}). ${advice}`);
  const last = stderr.trim().split("\n").at(-1) ?? "";
  if (code !== 0) throw new BackendUnavailable(`the torch backend was selected but "${options.python} -m prunelab_torch capabilities" failed (exit ${code}: ${last}). ${advice}`);
  try {
    const parsed = JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as TorchCapabilities;
    if (!Array.isArray(parsed.archs) || !Array.isArray(parsed.datasets) || typeof parsed.torch !== "string") throw new Error("missing fields");
    return parsed;
  } catch (cause) {
    throw new BackendUnavailable(`the torch backend's capabilities could not be read (${(cause as Error).message}): ${stdout.slice(0, 200)}`);
  }
}

/**
 * A torch runner's capabilities: image jobs only (synthetic jobs are the tfjs runners'), the
 * architectures the child trains that this project's torch backend trains, and the data sets the
 * child finds in `dataDir`.
 */
export function torchRunnerCapabilities(probe: TorchCapabilities): RunnerCapabilities {
  return {
    backends: ["torch"],
    kinds: ["image"],
    archs: BACKEND_ARCHS.torch.filter((arch) => IMAGE_ARCHS[arch].trainable && probe.archs.includes(arch)),
    datasets: probe.datasets.filter((name) => name in IMAGE_DATASETS),
  };
}

/** One protocol line of the child (docs/decisions/014-torch-backend.md, The child protocol). */
type ChildLine =
  | { type: "progress"; epoch: number; epochs: number; level: number; levels: number; loss: number | null }
  | { type: "partial"; partial: PartialResult }
  | { type: "result"; result: RunResult; engine: EngineInfo }
  | { type: "error"; code: string; message: string; retryable: boolean };

/**
 * A torch trainer: a `TrainerHandle` that runs each `train` message in a fresh Python child. It
 * emits the child's lines as the runner's trainer messages, and `error` when the child exits
 * without a result or an error line (a crash, a signal), writes something that is not the
 * protocol, or says nothing for `stallSeconds`; such a child is killed (SIGKILL). `terminate()`
 * kills the running child (a canceled job, a lost lease, an abandoning runner).
 */
export class TorchTrainer extends EventEmitter implements TrainerHandle {
  private child: ChildProcess | undefined;
  /** Children killed by `terminate()`: their end is not a crash to report. */
  private readonly terminated = new WeakSet<ChildProcess>();

  constructor(private readonly options: TorchOptions) {
    super();
  }

  /** The running child's process id, if one is running. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  postMessage(message: { type: "train"; spec: unknown; partial: PartialResult | null }): void {
    let spec;
    try {
      spec = parseRunSpec(message.spec); // the child receives the fully resolved spec
    } catch (error) {
      queueMicrotask(() => this.emit("message", { type: "error", code: "validation_failed", message: (error as Error).message, retryable: false }));
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), "prunelab-torch-"));
    const args = ["-m", "prunelab_torch", "train", "--spec", join(dir, "spec.json"), ...dataArgs(this.options.dataDir)];
    writeFileSync(join(dir, "spec.json"), JSON.stringify(spec));
    if (message.partial) {
      writeFileSync(join(dir, "resume.json"), JSON.stringify(message.partial));
      args.push("--resume", join(dir, "resume.json"));
    }
    const child = spawn(this.options.python, args, { env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    let answered = false; // a result or an error line arrived
    let ended = false; // this job's outcome was emitted, or the child was killed on purpose
    let stderr = "";
    let closed = false;
    // the crash is reported once the child is gone (a killed child's `close` follows its kill)
    const fail = (reason: string) => {
      if (ended || this.terminated.has(child)) return;
      ended = true;
      const report = () => {
        if (this.listenerCount("error") > 0) this.emit("error", new Error(`${reason}${stderr.trim() ? `; its last output: ${stderr.trim().split("\n").slice(-3).join(" | ").slice(-600)}` : ""}`));
      };
      if (closed || child.pid === undefined) report();
      else {
        child.once("close", report);
        child.kill("SIGKILL");
      }
    };
    let stall: NodeJS.Timeout | undefined;
    const watch = () => {
      clearTimeout(stall);
      stall = setTimeout(() => fail(`the torch trainer made no progress for ${this.options.stallSeconds} s and was killed`), this.options.stallSeconds * 1000);
    };
    watch();
    let buffer = "";
    const onLine = (line: string) => {
      if (!line.trim() || ended) return;
      let parsed: ChildLine;
      try {
        parsed = JSON.parse(line) as ChildLine;
      } catch {
        fail(`the torch trainer wrote a line that is not JSON: ${line.slice(0, 200)}`);
        return;
      }
      watch();
      if (parsed.type === "progress") {
        const { epoch, epochs, level, levels, loss } = parsed;
        this.emit("message", { type: "progress", epoch, epochs, level, levels, loss });
      } else if (parsed.type === "partial") {
        this.emit("message", { type: "partial", partial: parsed.partial });
      } else if (parsed.type === "result") {
        answered = true;
        this.emit("message", { type: "done", result: parsed.result, engine: parsed.engine });
      } else if (parsed.type === "error") {
        answered = true;
        const code: ErrorCode = parsed.code in ERROR_CODES ? (parsed.code as ErrorCode) : "training_failed";
        this.emit("message", { type: "error", code, message: String(parsed.message), retryable: parsed.retryable === true });
      } else {
        fail(`the torch trainer wrote an unknown line: ${line.slice(0, 200)}`);
      }
    };
    child.stdout!.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const line of lines) onLine(line);
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8000);
    });
    child.on("error", (error) => fail(`the torch trainer could not be started: ${error.message}`));
    child.on("close", (code, signal) => {
      closed = true;
      clearTimeout(stall);
      onLine(buffer);
      rmSync(dir, { recursive: true, force: true });
      if (this.child === child) this.child = undefined;
      if (answered) ended = true;
      else fail(signal ? `the torch trainer was killed by ${signal}` : `the torch trainer exited with code ${code} without a result`);
    });
  }

  async terminate(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.terminated.add(child);
    await new Promise<void>((resolve) => {
      child.once("close", () => resolve());
      child.kill("SIGKILL");
    });
  }
}
