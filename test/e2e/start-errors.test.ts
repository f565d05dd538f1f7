import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/free-port.js";

interface Outcome {
  code: number | null;
  output: string;
}

/** A stack trace's frames, as Node prints them. */
const STACK_FRAME = /^\s+at .+/m;

/**
 * `npm start` and `npm run migrate` fail with one message that says what failed and what to do,
 * and a non-zero exit, never with a stack trace.
 */
describe("npm start and npm run migrate when they cannot run", () => {
  const cleanups: (() => void | Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  /** Runs a script of scripts/ as `npm start` and `npm run migrate` do (tsx), and collects what it printed. */
  const script = (name: string, env: Record<string, string>): Promise<Outcome> =>
    new Promise((resolve, reject) => {
      const { DATABASE_URL: _server, ...inherited } = process.env; // the embedded database, whatever the caller's environment says
      const child = spawn(process.execPath, ["--import", "tsx", `scripts/${name}`], { env: { ...inherited, ...env }, stdio: ["ignore", "pipe", "pipe"] });
      cleanups.push(() => void (child.exitCode === null && child.signalCode === null && child.kill("SIGKILL")));
      let output = "";
      child.stdout.on("data", (chunk) => (output += chunk));
      child.stderr.on("data", (chunk) => (output += chunk));
      child.on("error", reject);
      child.on("exit", (code) => resolve({ code, output }));
    });
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "prunelab-start-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  };
  /** Another process holding a PGlite directory (its lock file), until the test ends. */
  const holdDirectory = async (dir: string): Promise<ChildProcess> => {
    const holder = spawn(process.execPath, ["--import", "tsx", "test/fixtures/hold-pglite.ts", dir, "e".repeat(64)], { stdio: ["pipe", "pipe", "inherit"] });
    cleanups.push(async () => {
      holder.stdin!.end();
      await new Promise((resolve) => holder.once("exit", resolve));
    });
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
      holder.on("exit", (code) => reject(new Error(`holder exited early with ${code}`)));
    });
    return holder;
  };

  it("npm start on a busy port says which port and how to choose another", async () => {
    const accepted: Socket[] = [];
    const busy: Server = createServer((socket) => accepted.push(socket)); // accepts, never answers
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => {
      accepted.forEach((socket) => socket.destroy());
      return new Promise<void>((resolve) => busy.close(() => resolve()));
    });
    const port = (busy.address() as { port: number }).port;
    const outcome = await script("start.ts", { PORT: String(port), PRUNELAB_DATA: tempDir() });
    expect(outcome.code).not.toBe(0);
    expect(outcome.output).toContain(`port ${port} is in use: stop the other process, or set PORT to a free port`);
    expect(outcome.output).not.toMatch(STACK_FRAME);
  }, 60_000);

  it("npm start on a data directory another process holds names the process and what to do", async () => {
    const data = tempDir();
    const holder = await holdDirectory(join(data, "pglite"));
    const outcome = await script("start.ts", { PORT: String(await freePort()), PRUNELAB_DATA: data });
    expect(outcome.code).not.toBe(0);
    expect(outcome.output).toContain(`is in use by process ${holder.pid}`);
    expect(outcome.output).toContain("PRUNELAB_DATA");
    expect(outcome.output).not.toMatch(STACK_FRAME);
  }, 60_000);

  it("npm run migrate while the database is held (by npm start) prints the message, not a stack trace", async () => {
    const dir = join(tempDir(), "pglite");
    const holder = await holdDirectory(dir);
    const outcome = await script("migrate.ts", { PGLITE_DIR: dir });
    expect(outcome.code).not.toBe(0);
    expect(outcome.output).toContain(`is in use by process ${holder.pid}`);
    expect(outcome.output).toContain("npm start");
    expect(outcome.output).not.toMatch(STACK_FRAME);
  }, 60_000);
});
