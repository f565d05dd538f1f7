import { connect, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { createPgSessionTracker, type PgSessionTracker } from "./pg-session.js";

export interface WsProxy {
  /** For the Neon driver's `wsProxy` setting: `host:port/v2`. */
  address: string;
  port: number;
  /** WebSocket↔TCP pairs currently relayed (admitted sessions). */
  openConnections(): number;
  /** Clients waiting for a session slot. */
  waitingConnections(): number;
  close(): Promise<void>;
}

export interface WsProxyOptions {
  host?: string;
  port?: number;
  /**
   * The one database this proxy serves, `host:port` (loopback). It relays to that address and
   * nothing else: a client asking for any other is refused.
   */
  target: string;
  /**
   * Close the TCP side after the client's Terminate message. pglite-socket keeps a connection open
   * after Terminate (docs/architecture.md, Measured facts), so in front of it the proxy must end
   * the session itself.
   */
  closeOnTerminate?: boolean;
  /**
   * Sessions relayed at once; further clients are accepted and wait, their bytes held, until a
   * session ends (docs/decisions/009-local-stack-under-load.md). Unlimited by default.
   */
  maxSessions?: number;
  /**
   * The database is one backend shared by every session (PGlite): relay one session's statement
   * at a time, from its first byte until it is idle again (`pg-session.ts`), so statements of
   * different sessions never interleave.
   */
  exclusive?: boolean;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

/** `host:port` (IPv6 in brackets) → its parts, or null. */
function parseAddress(address: string): { host: string; port: number } | null {
  const match = /^(.+):(\d{1,5})$/.exec(address);
  if (!match) return null;
  return { host: match[1]!.replace(/^\[|\]$/g, ""), port: Number(match[2]) };
}

const sameHost = (a: string, b: string) => a === b || (LOOPBACK.has(a) && LOOPBACK.has(b));

interface Session {
  ws: WebSocket;
  tcp?: Socket;
  /** Client bytes not yet relayed (waiting for a slot or for the database). */
  held: Buffer[];
  tracker: PgSessionTracker;
  ended: boolean;
}

/**
 * A WebSocket→TCP proxy that lets the Neon serverless driver reach a plain PostgreSQL server, as
 * Neon's own proxy does in production: the client connects to `ws://host:port/v2?address=db:5432`
 * and bytes flow both ways. It serves one database: any other address is refused, and so is any
 * request that carries an `Origin` header, so a web page cannot drive SQL through it (workerd and
 * Node clients send none; docs/decisions/009-local-stack-under-load.md). When either side ends,
 * both are closed, so no connection outlives its peer. A development and test tool; production
 * never uses it.
 */
export async function startWsProxy(options: WsProxyOptions): Promise<WsProxy> {
  const target = parseAddress(options.target);
  if (!target || !LOOPBACK.has(target.host)) throw new Error(`the proxy's target must be a loopback host:port, not ${options.target}`);
  const maxSessions = options.maxSessions ?? Infinity;
  const server = new WebSocketServer({
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    // Browsers always send Origin (`null` from sandboxed or file pages); the Worker sends none.
    verifyClient: (info, done) => (info.origin === undefined ? done(true) : done(false, 403, "browser origins may not use the database proxy")),
  });
  const open = new Set<Session>();
  const waiting: Session[] = [];
  /** exclusive: the session whose statement is in flight, and those with bytes waiting for it. */
  let holder: Session | null = null;
  const queue: Session[] = [];

  const relay = (session: Session) => {
    for (const chunk of session.held.splice(0)) {
      session.tracker.fromClient(chunk);
      session.tcp!.write(chunk); // net.Socket queues writes until connected
      if (options.closeOnTerminate && session.tracker.terminated()) {
        session.tcp!.end();
        break;
      }
    }
    if (session.tracker.broken()) end(session);
  };
  const grant = () => {
    while (!holder && queue.length > 0) {
      const next = queue.shift()!;
      if (next.ended) continue;
      holder = next;
      relay(next);
      release(next);
    }
  };
  /** Hands the database on once the holder's statement is answered and it is idle. */
  const release = (session: Session) => {
    if (holder === session && (session.ended || (session.held.length === 0 && session.tracker.idle()))) {
      holder = null;
      grant();
    }
  };
  const pump = (session: Session) => {
    if (!session.tcp || session.held.length === 0) return;
    if (!options.exclusive) return relay(session);
    if (holder === session) {
      relay(session);
      release(session);
    } else if (!queue.includes(session)) {
      queue.push(session);
      grant();
    }
  };
  const admit = () => {
    while (open.size < maxSessions && waiting.length > 0) {
      const session = waiting.shift()!;
      if (session.ended) continue;
      open.add(session);
      const tcp = connect({ host: target.host, port: target.port });
      session.tcp = tcp;
      tcp.setNoDelay(true);
      tcp.on("data", (chunk: Buffer) => {
        session.tracker.fromServer(chunk);
        if (session.ws.readyState === session.ws.OPEN) session.ws.send(chunk);
        if (session.tracker.broken()) return end(session);
        release(session);
      });
      tcp.on("close", () => end(session));
      tcp.on("error", () => end(session));
      pump(session);
    }
  };
  const end = (session: Session) => {
    if (session.ended) return;
    session.ended = true;
    session.held.length = 0;
    const at = waiting.indexOf(session);
    if (at >= 0) waiting.splice(at, 1);
    session.tcp?.destroy();
    if (session.ws.readyState === session.ws.OPEN || session.ws.readyState === session.ws.CONNECTING) session.ws.close();
    if (open.delete(session)) admit();
    release(session);
  };

  server.on("connection", (ws, request) => {
    const asked = parseAddress(new URL(request.url ?? "/", "ws://proxy").searchParams.get("address") ?? "");
    if (!asked || asked.port !== target.port || !sameHost(asked.host, target.host)) {
      ws.close(1008, "address not allowed");
      return;
    }
    const session: Session = { ws, held: [], tracker: createPgSessionTracker(), ended: false };
    ws.on("message", (data: Buffer) => {
      if (session.ended) return;
      session.held.push(data);
      pump(session);
    });
    ws.on("close", () => end(session));
    ws.on("error", () => end(session));
    waiting.push(session);
    admit();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port, address: host } = server.address() as AddressInfo;
  return {
    address: `${host}:${port}/v2`,
    port,
    openConnections: () => open.size,
    waitingConnections: () => waiting.length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of [...open, ...waiting]) {
          session.ended = true;
          session.tcp?.destroy();
          session.ws.terminate();
        }
        open.clear();
        waiting.length = 0;
        queue.length = 0;
        holder = null;
        server.close(() => resolve());
      }),
  };
}
