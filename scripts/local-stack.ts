/**
 * The local stack behind `npm start`, the end-to-end tests and the API benchmark: a database
 * (embedded PGlite served on a loopback port, or a given PostgreSQL server), the WebSocket proxy
 * the Neon driver reaches it through, migrations, `wrangler dev` (workerd) serving the Worker, and
 * a timer that fires the Worker's cron, which wrangler does not do locally
 * (docs/decisions/009-local-stack-under-load.md).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { AppError } from "../src/core/index.js";
import { migrateDatabase } from "../src/store/migrate.js";
import { createPgDb, createPgliteDb } from "../src/store/node-clients.js";
import { startWsProxy } from "../src/store/ws-proxy.js";
import { freePort } from "./free-port.js";

export interface LocalStackOptions {
  /** Where PGlite and wrangler keep their state. */
  dataDir: string;
  /** 0 picks a free port. */
  port: number;
  /** A PostgreSQL server to use instead of embedded PGlite. */
  databaseUrl?: string;
  /** Extra Worker variables (RUNNER_TOKEN, API_KEYS, …). */
  vars?: Record<string, string>;
  /** Print wrangler's output. */
  verbose?: boolean;
  /** Seconds between two runs of the Worker's cron (expired leases, lost wake-ups); 0 never. Default 60. */
  cronSeconds?: number;
}

export interface LocalStack {
  url: string;
  /** How the Worker reaches its database, for tests and tools on this machine: the Neon driver's URL and `wsProxy`. */
  database: { url: string; wsProxy: string };
  stop(): Promise<void>;
}

/** A failure of the stack with a message that says what failed and what to do; no stack trace needed. */
export class LocalStackError extends Error {
  override name = "LocalStackError";
}

/**
 * Sessions the proxy relays to PGlite at once; more clients wait for a slot
 * (docs/decisions/009-local-stack-under-load.md). pglite-socket refuses connections past its own
 * limit (it writes "Too many connections" and hangs up), so its limit is kept well above the
 * proxy's: a slot the proxy has freed may still count there for a moment.
 */
const PGLITE_SESSIONS = 32;
const PGLITE_SOCKET_LIMIT = 4 * PGLITE_SESSIONS;
/** wrangler.toml's cron (`[triggers]`); the handler does the same work whatever the expression. */
const CRON = "* * * * *";

async function startDatabase(options: LocalStackOptions): Promise<{ url: string; target: string; pglite: boolean; stop(): Promise<void> }> {
  if (options.databaseUrl) {
    const handle = createPgDb(options.databaseUrl, 1);
    await migrateDatabase(handle);
    await handle.close();
    const { hostname, port } = new URL(options.databaseUrl);
    return { url: options.databaseUrl, target: `${hostname}:${port || 5432}`, pglite: false, stop: async () => {} };
  }
  const dir = join(options.dataDir, "pglite");
  let handle: Awaited<ReturnType<typeof createPgliteDb>>;
  try {
    handle = await createPgliteDb(dir);
  } catch (error) {
    if (error instanceof AppError && error.code === "conflict") throw new LocalStackError(`${error.message}. Is \`npm start\` already running? Stop it, or use another data directory (PRUNELAB_DATA=…).`);
    throw error;
  }
  try {
    await migrateDatabase(handle);
    const port = await freePort();
    const server = new PGLiteSocketServer({ db: handle.client, host: "127.0.0.1", port, maxConnections: PGLITE_SOCKET_LIMIT });
    await server.start();
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      target: `127.0.0.1:${port}`,
      pglite: true,
      async stop() {
        await server.stop();
        await handle.close();
      },
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Fails with a clear message when something already listens on the port wrangler is to use. */
async function checkPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") reject(new LocalStackError(`port ${port} is in use: stop the other process, or set PORT to a free port (e.g. PORT=${port + 1} npm start)`));
      else if (error.code === "EACCES") reject(new LocalStackError(`port ${port} may not be used by this user: set PORT to a port above 1023`));
      else reject(error);
    });
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}

/**
 * The Worker's variables as a `.env` file for `wrangler dev --env-file`, readable by this user
 * only, so secrets (DATABASE_URL, RUNNER_TOKEN, API_KEYS) never appear on a command line. Values
 * are single-quoted (taken literally by dotenv) and `$` is escaped (wrangler expands variables).
 */
function writeEnvFile(vars: Record<string, string>): { path: string; remove(): void } {
  const lines = Object.entries(vars).map(([key, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new LocalStackError(`${key} is not a valid variable name`);
    if (/['\r\n]/.test(value)) throw new LocalStackError(`the value of ${key} may not contain a single quote or a line break`);
    return `${key}='${value.replaceAll("$", "\\$")}'`;
  });
  const dir = mkdtempSync(join(tmpdir(), "prunelab-stack-")); // mode 0700
  const path = join(dir, "worker.env");
  writeFileSync(path, `${lines.join("\n")}\n`, { mode: 0o600 });
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The last lines a process printed, to say why it stopped. */
function tail(lines: number) {
  let kept: string[] = [];
  return {
    push(chunk: Buffer) {
      kept = [...kept, ...chunk.toString().split("\n")].slice(-lines);
    },
    text: () => kept.join("\n").trim(),
  };
}

/** Waits for the API's health check; `failed` says why wrangler is gone, if it is. */
async function waitForHealth(url: string, failed: () => string | null, output: () => string, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const reason = failed();
    if (reason) {
      const printed = output();
      throw new LocalStackError(`${reason} before the API answered${printed ? `; its last output:\n${printed}` : " (run with --verbose to see its output)"}`);
    }
    try {
      if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) })).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new LocalStackError(`the API did not answer ${url}/healthz within ${seconds} s`);
}

/**
 * Runs the Worker's scheduled handler every `seconds`, one run at a time, through the endpoint
 * wrangler dev exposes for it (`/cdn-cgi/handler/scheduled`): wrangler does not fire cron
 * triggers locally, and without them expired leases and lost wake-ups are never recovered
 * (docs/architecture.md, Edge jobs, wake-ups and the cron).
 */
function startCron(url: string, seconds: number): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let failing = false;
  const tick = async () => {
    try {
      const response = await fetch(`${url}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(CRON)}`);
      await response.body?.cancel();
      if (!response.ok) throw new Error(`the scheduled handler answered ${response.status}`);
      if (failing) console.warn("cron: the scheduled handler runs again");
      failing = false;
    } catch (error) {
      if (!failing && !stopped) console.warn(`cron: ${(error as Error).message}; trying again in ${seconds} s`);
      failing = true;
    }
    if (!stopped) timer = setTimeout(tick, seconds * 1000).unref();
  };
  timer = setTimeout(tick, seconds * 1000).unref();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** Ends wrangler dev and the workerd it started (its process group). */
async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      /* already gone */
    }
  };
  signal("SIGTERM");
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  if (child.exitCode === null && child.signalCode === null) signal("SIGKILL");
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  if (options.port) await checkPortFree(options.port);
  mkdirSync(options.dataDir, { recursive: true });
  const undo: (() => unknown)[] = [];
  const stop = async () => {
    for (const step of undo.splice(0).reverse()) await step();
  };
  try {
    const database = await startDatabase(options);
    undo.push(() => database.stop());
    // In front of PGlite, one backend for every socket: sessions take turns per statement and wait
    // for a slot rather than being refused (docs/decisions/009-local-stack-under-load.md).
    const proxy = await startWsProxy(database.pglite ? { target: database.target, closeOnTerminate: true, exclusive: true, maxSessions: PGLITE_SESSIONS } : { target: database.target });
    undo.push(() => proxy.close());
    const envFile = writeEnvFile({ DATABASE_URL: database.url, WS_PROXY: proxy.address, ...options.vars });
    undo.push(() => envFile.remove());
    const port = options.port || (await freePort());
    const args = ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", join(options.dataDir, "wrangler"), "--env-file", envFile.path, "--show-interactive-dev-session=false"];
    const output = tail(40);
    const child = spawn("npx", args, {
      // Our env file must be read whatever the caller's environment says.
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV: "true" },
      stdio: options.verbose ? "inherit" : ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let spawnError: Error | undefined;
    child.on("error", (error) => (spawnError = error));
    child.stdout?.on("data", output.push);
    child.stderr?.on("data", output.push);
    undo.push(() => stopProcessGroup(child));
    const url = `http://127.0.0.1:${port}`;
    const failed = () => (spawnError ? `could not run npx wrangler (${spawnError.message})` : child.exitCode !== null ? `wrangler dev stopped with exit code ${child.exitCode}` : null);
    await waitForHealth(url, failed, output.text, 120);
    const cronSeconds = options.cronSeconds ?? 60;
    if (cronSeconds > 0) undo.push(startCron(url, cronSeconds));
    return { url, database: { url: database.url, wsProxy: proxy.address }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
