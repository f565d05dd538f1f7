import { describe, expect, it } from "vitest";
import { createPgSessionTracker } from "../../src/store/pg-session.js";

/** A typed protocol message: type byte, int32 length (itself included), body. */
const message = (type: string, body: Buffer = Buffer.alloc(0)) => {
  const head = Buffer.alloc(5);
  head.write(type, 0, "latin1");
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
};
const startup = () => {
  const body = Buffer.from("user\0postgres\0\0");
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(196608, 4);
  return Buffer.concat([head, body]);
};
const sslRequest = () => {
  const bytes = Buffer.alloc(8);
  bytes.writeInt32BE(8, 0);
  bytes.writeInt32BE(80877103, 4);
  return bytes;
};
const ready = (status: "I" | "T" | "E") => message("Z", Buffer.from(status));
/** Feeds bytes one at a time: framing must not depend on how the stream is cut. */
const trickle = (feed: (chunk: Buffer) => void, bytes: Buffer) => {
  for (let i = 0; i < bytes.length; i++) feed(bytes.subarray(i, i + 1));
};

describe("PostgreSQL session tracker (the proxy's turn-taking in front of PGlite)", () => {
  it("is busy from the startup message until the server is ready, then idle", () => {
    const session = createPgSessionTracker();
    session.fromClient(startup());
    expect(session.idle()).toBe(false);
    session.fromServer(Buffer.concat([message("R", Buffer.alloc(4)), message("S", Buffer.from("a\0b\0")), message("K", Buffer.alloc(8))]));
    expect(session.idle()).toBe(false);
    session.fromServer(ready("I"));
    expect(session.idle()).toBe(true);
  });

  it("stays busy through an extended-query sequence cut anywhere, until its Sync is answered", () => {
    const session = createPgSessionTracker();
    session.fromClient(startup());
    session.fromServer(ready("I"));
    const big = Buffer.alloc(100_000, 0x78);
    trickle((chunk) => session.fromClient(chunk), message("P", Buffer.from("\0select $1\0\0\0")));
    expect(session.idle()).toBe(false);
    session.fromClient(message("B", big).subarray(0, 50_000)); // a Bind still arriving
    expect(session.idle()).toBe(false);
    session.fromClient(Buffer.concat([message("B", big).subarray(50_000), message("E", Buffer.alloc(5)), message("S")]));
    expect(session.idle()).toBe(false);
    trickle((chunk) => session.fromServer(chunk), Buffer.concat([message("1"), message("2"), message("D", Buffer.alloc(20)), message("C", Buffer.from("SELECT 1\0"))]));
    expect(session.idle()).toBe(false);
    trickle((chunk) => session.fromServer(chunk), ready("I"));
    expect(session.idle()).toBe(true);
  });

  it("stays busy inside a transaction block until the server is idle again", () => {
    const session = createPgSessionTracker();
    session.fromClient(startup());
    session.fromServer(ready("I"));
    session.fromClient(message("Q", Buffer.from("begin\0")));
    session.fromServer(Buffer.concat([message("C", Buffer.from("BEGIN\0")), ready("T")]));
    expect(session.idle()).toBe(false);
    session.fromClient(message("Q", Buffer.from("select 1/0\0")));
    session.fromServer(Buffer.concat([message("E", Buffer.from("boom\0")), ready("E")]));
    expect(session.idle()).toBe(false);
    session.fromClient(message("Q", Buffer.from("rollback\0")));
    session.fromServer(Buffer.concat([message("C", Buffer.from("ROLLBACK\0")), ready("I")]));
    expect(session.idle()).toBe(true);
  });

  it("waits for one answer per Sync when a client pipelines", () => {
    const session = createPgSessionTracker();
    session.fromClient(startup());
    session.fromServer(ready("I"));
    session.fromClient(Buffer.concat([message("Q", Buffer.from("select 1\0")), message("Q", Buffer.from("select 2\0"))]));
    session.fromServer(ready("I"));
    expect(session.idle()).toBe(false);
    session.fromServer(ready("I"));
    expect(session.idle()).toBe(true);
  });

  it("reads the server's one-byte answer to an SSL request before its messages", () => {
    const session = createPgSessionTracker();
    session.fromClient(Buffer.concat([sslRequest(), startup()]));
    session.fromServer(Buffer.concat([Buffer.from("N"), message("R", Buffer.alloc(4)), ready("I")]));
    expect(session.idle()).toBe(true);
  });

  it("notices Terminate, and bytes that are not PostgreSQL's protocol", () => {
    const session = createPgSessionTracker();
    session.fromClient(startup());
    session.fromServer(ready("I"));
    session.fromClient(message("X"));
    expect(session.terminated()).toBe(true);
    const garbage = createPgSessionTracker();
    garbage.fromClient(Buffer.from([0, 0, 0, 2, 0, 0, 0, 0]));
    expect(garbage.broken()).toBe(true);
    expect(garbage.idle()).toBe(false);
  });
});
