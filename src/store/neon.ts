import { Pool, neonConfig } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-serverless";
import type { DbHandle } from "./db.js";
import { schema } from "./schema.js";

export interface NeonOptions {
  /**
   * `host:port/path` of a WebSocket→TCP proxy in front of a plain PostgreSQL server (local
   * development and tests). Unset in production, where Neon terminates the WebSocket itself.
   */
  wsProxy?: string;
  /** For Node 20, which has no global WebSocket (pass the `ws` package). */
  webSocketConstructor?: unknown;
  /**
   * Connections the pool may open (default 10). A Worker's request runs its statements one after
   * another and passes 1, so it never opens a second WebSocket and Postgres session
   * (docs/decisions/011-hot-paths.md).
   */
  maxConnections?: number;
}

/** The options last applied to the driver's global `neonConfig`; a call with the same options changes nothing. */
let applied: NeonOptions | undefined;

/**
 * Applies `options` to `neonConfig`, which is global to the driver, when they differ from the last
 * ones applied: a Worker calls createNeonDb on every request with the same options. Only what is
 * given is set, as before; nothing is reset.
 */
function configureNeon(options: NeonOptions): void {
  if (applied && applied.wsProxy === options.wsProxy && applied.webSocketConstructor === options.webSocketConstructor) return;
  applied = { ...options };
  if (options.webSocketConstructor) neonConfig.webSocketConstructor = options.webSocketConstructor as never;
  if (options.wsProxy) {
    // A plain server behind a local proxy: no TLS inside the socket, and no pipelining (SCRAM fails with it).
    neonConfig.wsProxy = options.wsProxy;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false;
  }
}

/**
 * A database over the Neon serverless driver (Postgres over WebSocket), the production driver and
 * the one the Worker uses. Create one per request in a Worker (docs/decisions/005-http-and-worker.md).
 */
export function createNeonDb(connectionString: string, options: NeonOptions = {}): DbHandle {
  configureNeon(options);
  const pool = new Pool({ connectionString, max: options.maxConnections ?? 10 });
  let closing = false;
  // An idle client whose socket drops emits 'error' on the pool; unhandled, it would crash the isolate.
  // Drops while the pool is being ended are expected (the peer closes first) and are not errors.
  pool.on("error", (error: Error) => {
    if (!closing) console.warn("database connection lost while idle:", error.message);
  });
  return {
    db: drizzle({ client: pool, schema }) as never,
    driver: "neon",
    close: () => {
      closing = true;
      return pool.end();
    },
  };
}
