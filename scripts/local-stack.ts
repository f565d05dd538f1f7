/**
 * The local stack behind `npm start`, the end-to-end tests and the API benchmark: a database
 * (embedded PGlite served on a loopback port, or a given PostgreSQL server), the WebSocket proxy
 * the Neon driver reaches it through, migrations, `wrangler dev` (workerd) serving the Worker, and
 * a timer that fires the Worker's cron, which wrangler does not do locally
 * (docs/decisions/009-local-stack-under-load.md).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
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

async function startDatabase(options: LocalStackOptions): Promise<{ url: string; stop(): Promise<void> }> {
  if (options.databaseUrl) {
    const handle = createPgDb(options.databaseUrl, 1);
    await migrateDatabase(handle);
    await handle.close();
    return { url: options.databaseUrl, stop: async () => {} };
  }
  const handle = await createPgliteDb(join(options.dataDir, "pglite"));
  await migrateDatabase(handle);
  const port = await freePort();
  const server = new PGLiteSocketServer({ db: handle.client, host: "127.0.0.1", port, maxConnections: PGLITE_SOCKET_LIMIT });
  await server.start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await handle.close();
    },
  };
}

/**
 * The Worker's variables as a `.env` file for `wrangler dev --env-file`, readable by this user
 * only, so secrets (DATABASE_URL, RUNNER_TOKEN, API_KEYS) never appear on a command line. Values
 * are single-quoted (taken literally by dotenv) and `$` is escaped (wrangler expands variables).
 */
function writeEnvFile(vars: Record<string, string>): { path: string; remove(): void } {
  const lines = Object.entries(vars).map(([key, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`${key} is not a valid variable name`);
    if (/['\r\n]/.test(value)) throw new Error(`the value of ${key} may not contain a single quote or a line break`);
    return `${key}='${value.replaceAll("$", "\\$")}'`;
  });
  const dir = mkdtempSync(join(tmpdir(), "prunelab-stack-")); // mode 0700
  const path = join(dir, "worker.env");
  writeFileSync(path, `${lines.join("\n")}\n`, { mode: 0o600 });
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function waitForHealth(url: string, child: ChildProcess, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`the API did not answer ${url}/healthz within ${seconds} s`);
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

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  mkdirSync(options.dataDir, { recursive: true });
  const database = await startDatabase(options);
  const { hostname, port: databasePort } = new URL(database.url);
  const target = `${hostname}:${databasePort || 5432}`;
  // In front of PGlite, one backend for every socket: sessions take turns per statement and wait
  // for a slot rather than being refused (docs/decisions/009-local-stack-under-load.md).
  const proxy = await startWsProxy(options.databaseUrl ? { target } : { target, closeOnTerminate: true, exclusive: true, maxSessions: PGLITE_SESSIONS });
  const envFile = writeEnvFile({ DATABASE_URL: database.url, WS_PROXY: proxy.address, ...options.vars });
  const port = options.port || (await freePort());
  const args = ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", join(options.dataDir, "wrangler"), "--env-file", envFile.path, "--show-interactive-dev-session=false"];
  const child = spawn("npx", args, {
    // Our env file must be read whatever the caller's environment says.
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV: "true" },
    stdio: options.verbose ? "inherit" : "ignore",
    detached: true,
  });
  const url = `http://127.0.0.1:${port}`;
  let stopCron = () => {};
  const stop = async () => {
    stopCron();
    if (child.exitCode === null && child.pid) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(-child.pid, "SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) process.kill(-child.pid, "SIGKILL");
    }
    envFile.remove();
    await proxy.close();
    await database.stop();
  };
  try {
    await waitForHealth(url, child, 120);
  } catch (error) {
    await stop();
    throw error;
  }
  const cronSeconds = options.cronSeconds ?? 60;
  if (cronSeconds > 0) stopCron = startCron(url, cronSeconds);
  return { url, database: { url: database.url, wsProxy: proxy.address }, stop };
}
