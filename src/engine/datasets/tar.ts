import { AppError } from "../../core/index.js";

/**
 * A small reader of tar archives (POSIX ustar, with GNU long names and pax `path`/`size`
 * records), fed chunk by chunk as a decompressor produces them, that keeps the bodies of the
 * members it is asked for and skips the rest. Enough for a published data archive such as
 * CIFAR-10's; it never writes files. docs/data.md.
 *
 * Layout: each member is a 512-byte header (name at 0, octal size at 124, checksum at 148,
 * type at 156, `ustar` magic at 257, name prefix at 345) followed by its body padded to a
 * multiple of 512 bytes; the archive ends with zero blocks.
 */

const BLOCK = 512;

/** Decides from a member's name and size whether to keep its body (it may throw to refuse the archive). */
export type KeepMember = (name: string, size: number) => boolean;

function malformed(file: string, what: string): AppError {
  return new AppError("data_mismatch", `${file} is not a valid tar archive: ${what} (docs/data.md says where the files go)`, { retryable: true });
}

const decoder = new TextDecoder();

/** A NUL-terminated string field. */
function field(header: Uint8Array, at: number, length: number): string {
  const bytes = header.subarray(at, at + length);
  const end = bytes.indexOf(0);
  return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/** An octal number field, or GNU's base-256 form (first byte's high bit set). */
function number(header: Uint8Array, at: number, length: number): number {
  const bytes = header.subarray(at, at + length);
  if (bytes[0]! & 0x80) {
    let value = bytes[0]! & 0x7f;
    for (const byte of bytes.subarray(1)) value = value * 256 + byte;
    return value;
  }
  const text = field(header, at, length).trim();
  if (!/^[0-7]*$/.test(text)) return Number.NaN;
  return text === "" ? 0 : Number.parseInt(text, 8);
}

/** pax extended header records: `<length> <key>=<value>\n`. */
function paxRecords(body: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  for (const line of decoder.decode(body).split("\n")) {
    const match = /^\d+ ([^=]+)=(.*)$/s.exec(line);
    if (match) records.set(match[1]!, match[2]!);
  }
  return records;
}

type State =
  | { mode: "header" }
  | { mode: "body"; name: string; size: number; done: number; into: Uint8Array | undefined; meta: "pax" | "longname" | undefined }
  | { mode: "padding"; left: number }
  | { mode: "end" };

export class TarReader {
  readonly #file: string;
  readonly #keep: KeepMember;
  readonly #members = new Map<string, Uint8Array>();
  readonly #header = new Uint8Array(BLOCK);
  #filled = 0;
  #offset = 0;
  #state: State = { mode: "header" };
  #nextName: string | undefined;
  #nextSize: number | undefined;

  /** `file` names the archive in messages; `keep` selects the members whose bodies are kept. */
  constructor(file: string, keep: KeepMember) {
    this.#file = file;
    this.#keep = keep;
  }

  /** The next bytes of the (uncompressed) archive. */
  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      const state = this.#state;
      if (state.mode === "end") return; // what follows the end marker is padding to a record size
      if (state.mode === "header") {
        const take = Math.min(BLOCK - this.#filled, chunk.length - at);
        this.#header.set(chunk.subarray(at, at + take), this.#filled);
        this.#filled += take;
        at += take;
        if (this.#filled === BLOCK) {
          this.#filled = 0;
          this.#readHeader();
          this.#offset += BLOCK;
        }
      } else if (state.mode === "body") {
        const take = Math.min(state.size - state.done, chunk.length - at);
        state.into?.set(chunk.subarray(at, at + take), state.done);
        state.done += take;
        at += take;
        this.#offset += take;
        if (state.done === state.size) this.#endBody(state);
      } else {
        const take = Math.min(state.left, chunk.length - at);
        state.left -= take;
        at += take;
        this.#offset += take;
        if (state.left === 0) this.#state = { mode: "header" };
      }
    }
  }

  /** The kept members by name, once the whole archive was pushed; throws if it ended inside a member. */
  end(): Map<string, Uint8Array> {
    const state = this.#state;
    if (state.mode === "body") throw malformed(this.#file, `it ends inside member ${state.name} (${state.done} of ${state.size} bytes): truncated`);
    if (state.mode === "header" && this.#filled > 0) throw malformed(this.#file, `it ends inside a header (${this.#filled} of ${BLOCK} bytes): truncated`);
    if (state.mode === "padding" && state.left > 0) throw malformed(this.#file, "it ends inside a member's padding: truncated");
    return this.#members;
  }

  #readHeader(): void {
    const header = this.#header;
    if (header.every((byte) => byte === 0)) {
      this.#state = { mode: "end" };
      return;
    }
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
    const stored = number(header, 148, 8);
    if (stored !== sum) throw malformed(this.#file, `the header at byte ${this.#offset} has checksum ${stored}, its bytes sum to ${sum}`);
    const type = String.fromCharCode(header[156]!);
    // a pax header ("x") or GNU long name ("L") describes the member after it
    const meta = type === "x" ? "pax" : type === "L" ? "longname" : undefined;
    const prefix = field(header, 257, 6) === "ustar" ? field(header, 345, 155) : "";
    const headerName = prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100);
    const name = ((meta ? undefined : this.#nextName) ?? headerName).replace(/^(\.\/)+/, "");
    const size = (meta ? undefined : this.#nextSize) ?? number(header, 124, 12);
    if (!Number.isSafeInteger(size) || size < 0) throw malformed(this.#file, `the header at byte ${this.#offset} has no valid size`);
    if (!meta) {
      this.#nextName = undefined;
      this.#nextSize = undefined;
    }
    // regular files are type "0" (or NUL in old archives, "7" contiguous); other types' bodies are skipped
    const regular = type === "0" || type === "\0" || type === "7";
    const keep = meta !== undefined || (regular && this.#keep(name, size));
    const state: State = { mode: "body", name, size, done: 0, into: keep ? new Uint8Array(size) : undefined, meta };
    this.#state = state;
    if (size === 0) this.#endBody(state);
  }

  #endBody(state: Extract<State, { mode: "body" }>): void {
    if (state.meta === "pax" && state.into) {
      const records = paxRecords(state.into);
      const path = records.get("path");
      const size = records.get("size");
      if (path !== undefined) this.#nextName = path;
      if (size !== undefined) this.#nextSize = Number(size);
    } else if (state.meta === "longname" && state.into) {
      this.#nextName = field(state.into, 0, state.into.length);
    } else if (state.into) {
      this.#members.set(state.name, state.into);
    }
    const left = (BLOCK - (state.size % BLOCK)) % BLOCK;
    this.#state = left > 0 ? { mode: "padding", left } : { mode: "header" };
  }
}
