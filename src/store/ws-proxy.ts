import { connect, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

export interface WsProxy {
  /** For the Neon driver's `wsProxy` setting: `host:port/v2`. */
  address: string;
  port: number;
  /** WebSocket↔TCP pairs currently open. */
  openConnections(): number;
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
}

/** PostgreSQL's Terminate message: 'X' and a length of 4. */
const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]);

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

/** `host:port` (IPv6 in brackets) → its parts, or null. */
function parseAddress(address: string): { host: string; port: number } | null {
  const match = /^(.+):(\d{1,5})$/.exec(address);
  if (!match) return null;
  return { host: match[1]!.replace(/^\[|\]$/g, ""), port: Number(match[2]) };
}

const sameHost = (a: string, b: string) => a === b || (LOOPBACK.has(a) && LOOPBACK.has(b));

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
  const server = new WebSocketServer({
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    // Browsers always send Origin (`null` from sandboxed or file pages); the Worker sends none.
    verifyClient: (info, done) => (info.origin === undefined ? done(true) : done(false, 403, "browser origins may not use the database proxy")),
  });
  const open = new Set<{ ws: WebSocket; tcp: Socket }>();

  server.on("connection", (ws, request) => {
    const asked = parseAddress(new URL(request.url ?? "/", "ws://proxy").searchParams.get("address") ?? "");
    if (!asked || asked.port !== target.port || !sameHost(asked.host, target.host)) {
      ws.close(1008, "address not allowed");
      return;
    }
    const tcp = connect({ host: target.host, port: target.port });
    const pair = { ws, tcp };
    open.add(pair);
    const closeBoth = () => {
      if (!open.delete(pair)) return;
      tcp.destroy();
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close();
    };
    tcp.setNoDelay(true);
    ws.on("message", (data: Buffer) => {
      tcp.write(data); // net.Socket queues writes until connected
      if (options.closeOnTerminate && data.length >= TERMINATE.length && data.subarray(-TERMINATE.length).equals(TERMINATE)) tcp.end();
    });
    tcp.on("data", (chunk) => ws.send(chunk));
    ws.on("close", closeBoth);
    ws.on("error", closeBoth);
    tcp.on("close", closeBoth);
    tcp.on("error", closeBoth);
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
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of open) {
          pair.tcp.destroy();
          pair.ws.terminate();
        }
        open.clear();
        server.close(() => resolve());
      }),
  };
}
