import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startWsProxy, type WsProxy, type WsProxyOptions } from "../../src/store/ws-proxy.js";

/** A TCP echo server that records its sockets, standing in for PostgreSQL. */
async function echoServer(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on("data", (data) => socket.write(data));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port, sockets };
}

const opened = (ws: WebSocket) => new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
const closed = (ws: WebSocket) => new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
/** The HTTP status of a refused WebSocket handshake. */
const refusedWith = (ws: WebSocket) =>
  new Promise<number>((resolve, reject) => {
    ws.once("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
    ws.once("open", () => reject(new Error("the handshake was accepted")));
  });
const until = async (condition: () => boolean) => {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((r) => setTimeout(r, 20));
};

describe("WebSocket→TCP proxy", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  const echo = async () => {
    const server = await echoServer();
    cleanups.push(() => new Promise<void>((r) => server.server.close(() => r())));
    return server;
  };
  const start = async (options: Partial<WsProxyOptions> = {}): Promise<{ proxy: WsProxy; echo: Awaited<ReturnType<typeof echoServer>> }> => {
    const database = await echo();
    const proxy = await startWsProxy({ target: `127.0.0.1:${database.port}`, ...options });
    cleanups.unshift(() => proxy.close());
    return { proxy, echo: database };
  };

  it("carries bytes both ways", async () => {
    const { proxy, echo } = await start();
    const ws = new WebSocket(`ws://${proxy.address}?address=127.0.0.1:${echo.port}`);
    await opened(ws);
    const reply = new Promise<Buffer>((resolve) => ws.once("message", (data: Buffer) => resolve(data)));
    ws.send(Buffer.from([1, 2, 3, 250]));
    expect([...(await reply)]).toEqual([1, 2, 3, 250]);
    ws.close();
  });

  it("closes the TCP side when the client leaves", async () => {
    const { proxy, echo } = await start();
    const ws = new WebSocket(`ws://${proxy.address}?address=127.0.0.1:${echo.port}`);
    await opened(ws);
    await until(() => echo.sockets.length === 1);
    const tcpClosed = new Promise((resolve) => echo.sockets[0]!.once("close", resolve));
    ws.close();
    await tcpClosed;
    await until(() => proxy.openConnections() === 0);
    expect(proxy.openConnections()).toBe(0);
  });

  it("closes the WebSocket when the server leaves", async () => {
    const { proxy, echo } = await start();
    const ws = new WebSocket(`ws://${proxy.address}?address=127.0.0.1:${echo.port}`);
    await opened(ws);
    await until(() => echo.sockets.length === 1);
    const wsClosed = closed(ws);
    echo.sockets[0]!.destroy();
    await wsClosed;
    await until(() => proxy.openConnections() === 0);
    expect(proxy.openConnections()).toBe(0);
  });

  it("refuses addresses other than loopback", async () => {
    const { proxy } = await start();
    const ws = new WebSocket(`ws://${proxy.address}?address=10.0.0.1:5432`);
    expect(await closed(ws)).toBe(1008);
    expect(proxy.openConnections()).toBe(0);
  });

  it("relays to its database only: another loopback port is refused and never connected", async () => {
    const { proxy } = await start();
    const other = await echo();
    const ws = new WebSocket(`ws://${proxy.address}?address=127.0.0.1:${other.port}`);
    expect(await closed(ws)).toBe(1008);
    expect(other.sockets).toHaveLength(0);
    expect(proxy.openConnections()).toBe(0);
  }, 5_000);

  it("refuses requests from browser pages (any Origin, `null` included) before relaying anything", async () => {
    const { proxy, echo } = await start();
    for (const origin of ["https://evil.example", "http://127.0.0.1:8787", "null"]) {
      const ws = new WebSocket(`ws://${proxy.address}?address=127.0.0.1:${echo.port}`, { origin });
      expect(await refusedWith(ws)).toBe(403);
    }
    expect(echo.sockets).toHaveLength(0);
    // the Worker (workerd) and Node clients send no Origin
    const worker = new WebSocket(`ws://${proxy.address}?address=127.0.0.1:${echo.port}`);
    await opened(worker);
    worker.close();
  });
});
