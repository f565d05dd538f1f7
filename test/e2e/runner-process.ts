import { spawn, type ChildProcess } from "node:child_process";

/** A runner event as `--json` prints it, one per line. */
export interface RunnerEventLine {
  event: string;
  hash?: string;
  runner?: string;
  message?: string;
  epoch?: number;
}

/** A companion runner as a real process, its stdout a pipe (as under systemd), its events parsed as they arrive. */
export interface RunnerProcess {
  child: ChildProcess;
  events: RunnerEventLine[];
  exit: Promise<number | null>;
  stderr: () => string;
}

/** Starts `src/runner/cli.ts` with `args`; with `--json`, each stdout line is an event. */
export function spawnRunner(args: string[]): RunnerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/runner/cli.ts", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  const runner: RunnerProcess = { child, events: [], exit: new Promise((resolve) => child.on("exit", (code) => resolve(code))), stderr: () => stderr };
  let buffer = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split("\n");
    buffer = lines.pop()!;
    for (const line of lines) if (line.trim()) runner.events.push(JSON.parse(line));
  });
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return runner;
}

/** Polls `condition` every 200 ms for up to `seconds`; the error says what it waited for. */
export async function until(condition: () => boolean | Promise<boolean>, seconds: number, what: () => string = () => "a condition"): Promise<void> {
  for (let i = 0; i < seconds * 5; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what()}`);
}
