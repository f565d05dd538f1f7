/**
 * The local stack behind `npm start`, the end-to-end tests and the API benchmark: a database
 * (embedded PGlite served on a loopback port, or a given PostgreSQL server), the WebSocket proxy
 * the Neon driver reaches it through, migrations, and `wrangler dev` (workerd) serving the Worker.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
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
}

export interface LocalStack {
  url: string;
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

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  mkdirSync(options.dataDir, { recursive: true });
  const database = await startDatabase(options);
  const { hostname, port: databasePort } = new URL(database.url);
  const target = `${hostname}:${databasePort || 5432}`;
  // In front of PGlite, one backend for every socket: sessions take turns per statement and wait
  // for a slot rather than being refused (docs/decisions/009-local-stack-under-load.md).
  const proxy = await startWsProxy(options.databaseUrl ? { target } : { target, closeOnTerminate: true, exclusive: true, maxSessions: PGLITE_SESSIONS });
  const port = options.port || (await freePort());
  const vars = { DATABASE_URL: database.url, WS_PROXY: proxy.address, ...options.vars };
  const args = ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", join(options.dataDir, "wrangler"), "--show-interactive-dev-session=false"];
  for (const [key, value] of Object.entries(vars)) args.push("--var", `${key}:${value}`);
  const child = spawn("npx", args, {
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    stdio: options.verbose ? "inherit" : "ignore",
    detached: true,
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(-child.pid, "SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) process.kill(-child.pid, "SIGKILL");
    }
    await proxy.close();
    await database.stop();
  };
  try {
    await waitForHealth(url, child, 120);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}
