/**
 * Follows one PostgreSQL wire-protocol session (protocol 3.0) from the outside, to know when it
 * is between statements. The local WebSocket proxy uses it in front of PGlite, which is one
 * backend shared by every socket (docs/architecture.md, Measured facts): there, one session's
 * statement must not interleave with another's (an unnamed Parse from one session would be bound
 * by another's Bind), so the proxy relays one session's statement at a time and hands the
 * database to the next session when this one is idle (docs/decisions/009-local-stack-under-load.md).
 *
 * Only message headers are buffered; bodies are counted and skipped, so large results cost
 * nothing here. No I/O: the proxy feeds it the bytes it relays.
 */

/** SSLRequest and GSSENCRequest: the server answers each with one unframed byte. */
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

/** Frontend messages that open an extended-query sequence, closed by Sync. */
const EXTENDED = new Set(["P", "B", "D", "E", "C", "H"].map((c) => c.charCodeAt(0)));
/** Frontend messages each answered by one ReadyForQuery: Sync, simple Query, FunctionCall. */
const ANSWERED = new Set(["S", "Q", "F"].map((c) => c.charCodeAt(0)));
const TERMINATE = "X".charCodeAt(0);
const READY_FOR_QUERY = "Z".charCodeAt(0);
const IDLE = "I".charCodeAt(0);

export interface PgSessionTracker {
  /** Bytes the client sent toward the server (in order, as relayed). */
  fromClient(chunk: Uint8Array): void;
  /** Bytes the server sent toward the client. */
  fromServer(chunk: Uint8Array): void;
  /**
   * True when nothing is in flight: every Sync and Query answered, no extended-query sequence
   * open, no partial message, and the server idle (not inside a transaction block).
   */
  idle(): boolean;
  /** The client sent Terminate. */
  terminated(): boolean;
  /** The bytes are not PostgreSQL's protocol (a length below its header): the session must end. */
  broken(): boolean;
}

/** Splits a byte stream into messages, buffering only each message's header. */
function createFramer(headerSize: (partial: Buffer) => number, onMessage: (header: Buffer) => number | null, onBroken: () => void) {
  let header = Buffer.alloc(0);
  let skip = 0;
  return {
    push(chunk: Uint8Array) {
      let offset = 0;
      while (offset < chunk.length) {
        if (skip > 0) {
          const n = Math.min(skip, chunk.length - offset);
          skip -= n;
          offset += n;
          continue;
        }
        const want = headerSize(header);
        if (header.length < want) {
          const n = Math.min(want - header.length, chunk.length - offset);
          header = Buffer.concat([header, chunk.subarray(offset, offset + n)]);
          offset += n;
          if (header.length < want) continue;
          if (headerSize(header) > header.length) continue; // the header grew (ReadyForQuery's status byte)
        }
        const total = onMessage(header);
        if (total === null || total < header.length) {
          onBroken();
          return;
        }
        skip = total - header.length;
        header = Buffer.alloc(0);
      }
    },
    /** Inside a message (a partial header or a body still to come). */
    partial: () => header.length > 0 || skip > 0,
  };
}

export function createPgSessionTracker(): PgSessionTracker {
  let startup = true;
  let awaitingReady = 0;
  let extendedOpen = false;
  let unframedAnswers = 0;
  let status = IDLE;
  let terminated = false;
  let broken = false;
  const fail = () => {
    broken = true;
  };

  const client = createFramer(
    () => (startup ? 8 : 5),
    (header) => {
      if (startup) {
        const length = header.readInt32BE(0);
        const code = header.readInt32BE(4);
        if (length < 8) return null;
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) unframedAnswers++;
        else if (code !== CANCEL_REQUEST) {
          startup = false; // StartupMessage: answered, after authentication, by ReadyForQuery
          awaitingReady++;
        }
        return length;
      }
      const type = header[0]!;
      const length = header.readInt32BE(1);
      if (length < 4) return null;
      if (ANSWERED.has(type)) {
        awaitingReady++;
        extendedOpen = false;
      } else if (EXTENDED.has(type)) extendedOpen = true;
      else if (type === TERMINATE) terminated = true;
      return 1 + length;
    },
    fail,
  );

  const server = createFramer(
    (partial) => (unframedAnswers > 0 ? 1 : partial[0] === READY_FOR_QUERY ? 6 : 5),
    (header) => {
      if (unframedAnswers > 0) {
        unframedAnswers--;
        return 1;
      }
      const length = header.readInt32BE(1);
      if (length < 4) return null;
      if (header[0] === READY_FOR_QUERY) {
        awaitingReady = Math.max(0, awaitingReady - 1);
        status = header[5]!;
      }
      return 1 + length;
    },
    fail,
  );

  return {
    fromClient: (chunk) => client.push(chunk),
    fromServer: (chunk) => server.push(chunk),
    idle: () => !broken && awaitingReady === 0 && !extendedOpen && !client.partial() && status === IDLE,
    terminated: () => terminated,
    broken: () => broken,
  };
}
