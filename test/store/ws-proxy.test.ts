import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startWsProxy, type WsProxy } from "../../src/store/ws-proxy.js";

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
const until = async (condition: () => boolean) => {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((r) => setTimeout(r, 20));
};

describe("WebSocket→TCP proxy", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  const start = async (): Promise<{ proxy: WsProxy; echo: Awaited<ReturnType<typeof echoServer>> }> => {
    const proxy = await startWsProxy();
    const echo = await echoServer();
    cleanups.push(() => proxy.close(), () => new Promise<void>((r) => echo.server.close(() => r())));
    return { proxy, echo };
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
});
