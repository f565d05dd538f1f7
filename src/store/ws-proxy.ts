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
  /** Which database addresses a client may ask for; by default loopback only. */
  allowTarget?: (host: string, port: number) => boolean;
  /**
   * Close the TCP side after the client's Terminate message. pglite-socket keeps a connection open
   * after Terminate (docs/architecture.md, Measured facts), so in front of it the proxy must end
   * the session itself.
   */
  closeOnTerminate?: boolean;
}

/** PostgreSQL's Terminate message: 'X' and a length of 4. */
const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]);

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/**
 * A WebSocket→TCP proxy that lets the Neon serverless driver reach a plain PostgreSQL server, as
 * Neon's own proxy does in production: the client connects to `ws://host:port/v2?address=db:5432`
 * and bytes flow both ways. When either side ends, both are closed, so no connection outlives its
 * peer. A development and test tool; production never uses it.
 */
export async function startWsProxy(options: WsProxyOptions = {}): Promise<WsProxy> {
  const allowTarget = options.allowTarget ?? ((host) => LOOPBACK.has(host));
  const server = new WebSocketServer({ host: options.host ?? "127.0.0.1", port: options.port ?? 0 });
  const open = new Set<{ ws: WebSocket; tcp: Socket }>();

  server.on("connection", (ws, request) => {
    const address = new URL(request.url ?? "/", "ws://proxy").searchParams.get("address") ?? "";
    const match = /^(.+):(\d{1,5})$/.exec(address);
    if (!match || !allowTarget(match[1]!, Number(match[2]))) {
      ws.close(1008, "address not allowed");
      return;
    }
    const tcp = connect({ host: match[1]!.replace(/^\[|\]$/g, ""), port: Number(match[2]) });
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
