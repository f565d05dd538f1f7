/** SQLSTATE classes and codes that mean "the server is not reachable or not serving", not "this statement is wrong". */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[1-3]|57014)/;
/** Node and WebSocket failures of a connection, across node-postgres, the Neon driver and the local proxy. */
const UNAVAILABLE_ERRNO = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
const UNAVAILABLE_MESSAGE = /connection terminated|connection refused|connect(ion)? timeout|timeout exceeded when trying to connect|websocket|socket (hang up|closed)|server closed the connection|the database system is (starting up|shutting down)|too many (clients|connections)|client has encountered a connection error|Cannot use a pool after calling end/i;

/**
 * Whether an error thrown by a database driver means the database cannot be reached (down, out of
 * connections, restarting), as opposed to a statement it refused. Such errors are answered 503
 * with `Retry-After`; others stay bugs (docs/architecture.md, Life of a job).
 */
export function isConnectionError(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== "object") return false;
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === "string" && (UNAVAILABLE_ERRNO.has(code) || (code.length === 5 && UNAVAILABLE_SQLSTATE.test(code)))) return true;
    if (typeof message === "string" && UNAVAILABLE_MESSAGE.test(message)) return true;
    // the Neon driver reports a failed WebSocket as an ErrorEvent-like object without a message
    if ((current as { type?: unknown }).type === "error" && "target" in current) return true;
    current = cause;
  }
  return false;
}

/** Whether an error means the relation or schema does not exist (a database no migration has touched). */
export function isMissingRelation(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === "object" && depth < 5; depth++) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (code === "42P01" || code === "3F000") return true;
    current = cause;
  }
  return false;
}
