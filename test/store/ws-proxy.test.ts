import { createServer, type Server, type Socket } from "node:net";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { sql, type SQL } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createNeonDb, rowsOf } from "../../src/store/index.js";
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

  it("holds clients past its session limit until a session ends, instead of refusing them", async () => {
    const { proxy, echo } = await start({ maxSessions: 1 });
    const first = new WebSocket(`ws://${proxy.address}?address=127.0.0.1:${echo.port}`);
    await opened(first);
    const second = new WebSocket(`ws://${proxy.address}?address=127.0.0.1:${echo.port}`);
    await opened(second);
    const reply = new Promise<Buffer>((resolve) => second.once("message", (data: Buffer) => resolve(data)));
    second.send(Buffer.from("waited"));
    await until(() => proxy.waitingConnections() === 1);
    expect(proxy.waitingConnections()).toBe(1);
    expect(echo.sockets).toHaveLength(1); // only the first reached the database
    first.close();
    expect((await reply).toString()).toBe("waited");
    expect(echo.sockets).toHaveLength(2);
    second.close();
  });
});

/**
 * In front of PGlite (one backend for every socket), statements of concurrent sessions must not
 * interleave: a large Bind arrives in many TCP chunks, and pglite-socket runs other sessions'
 * messages in between, so one session's parameters get bound to another's statement.
 */
describe("WebSocket→TCP proxy in front of PGlite", () => {
  it("keeps concurrent sessions' statements apart, large parameters included", async () => {
    const db = await PGlite.create();
    const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 64 });
    await server.start();
    const proxy = await startWsProxy({ target: server.getServerConn(), closeOnTerminate: true, exclusive: true, maxSessions: 8 });
    const url = `postgres://postgres@${server.getServerConn()}/postgres`;
    const failures: string[] = [];
    let answered = 0;
    /** One client (the Neon driver, as in the Worker) asking `count` questions in turn. */
    const session = async (count: number, question: (i: number) => [SQL, (row: Record<string, unknown>) => boolean]) => {
      const handle = createNeonDb(url, { wsProxy: proxy.address, webSocketConstructor: WebSocket });
      for (let i = 0; i < count; i++) {
        const [query, check] = question(i);
        try {
          if (check(rowsOf<Record<string, unknown>>(await handle.db.execute(query))[0]!)) answered++;
          else failures.push("a wrong answer");
        } catch (error) {
          failures.push((error as Error).message.slice(0, 80));
        }
      }
      await handle.close();
    };
    const big = "x".repeat(1_000_000);
    try {
      await Promise.all([
        ...[1, 2].map((c) => session(3, () => [sql`select length(${big}::text) as n, ${c}::int as c`, (row) => row.n === big.length && row.c === c])),
        ...[1, 2, 3, 4, 5, 6].map((c) => session(40, (i) => [sql`select ${c}::int + ${i}::int as s`, (row) => row.s === c + i])),
      ]);
    } finally {
      await proxy.close();
      await server.stop();
      await db.close();
    }
    expect(failures).toEqual([]);
    expect(answered).toBe(2 * 3 + 6 * 40);
  }, 60_000);
});
