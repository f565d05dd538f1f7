import { AppError } from "../../core/index.js";

/**
 * IDX files, the format MNIST is published in: a 4-byte magic number (two zero bytes, the element
 * type, the number of dimensions), one big-endian uint32 per dimension, then the elements in
 * row-major order. MNIST uses unsigned bytes (type 0x08): images are count × rows × cols
 * (magic 0x00000803), labels are count (magic 0x00000801). Parsers take the file's bytes and a
 * name for messages, and return views into those bytes (no copy). docs/data.md.
 */

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count × rows × cols bytes, row-major. */
  images: Uint8Array;
}

export interface IdxLabels {
  count: number;
  labels: Uint8Array;
}

const hex = (value: number) => `0x${value.toString(16).padStart(8, "0")}`;

function malformed(file: string, what: string): AppError {
  return new AppError("data_mismatch", `${file} is not a valid IDX file: ${what} (docs/data.md says where the files go)`, { retryable: true });
}

/** Checks the magic number and the exact length, and returns the dimensions and the payload. */
function parseIdx(bytes: Uint8Array, file: string, magic: number, role: string): { dims: number[]; payload: Uint8Array } {
  const rank = magic & 0xff;
  const header = 4 + 4 * rank;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = bytes.length >= 4 ? view.getUint32(0, false) : undefined;
  if (found !== undefined && found !== magic) throw malformed(file, `magic number ${hex(found)}, expected ${hex(magic)} (${role})`);
  if (bytes.length < header) throw malformed(file, `${bytes.length} bytes is shorter than the ${header}-byte header of ${role}`);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const payload = dims.reduce((product, dim) => product * dim, 1);
  const expected = header + payload;
  if (bytes.length !== expected) {
    const how = bytes.length < expected ? "truncated" : "too long";
    throw malformed(file, `${how}: ${role} of dimensions ${dims.join(" × ")} take ${expected} bytes (${header}-byte header + ${payload}), the file has ${bytes.length}`);
  }
  return { dims, payload: bytes.subarray(header) };
}

/** An IDX file of unsigned-byte images (magic 0x00000803, dimensions count × rows × cols). */
export function parseIdxImages(bytes: Uint8Array, file: string): IdxImages {
  const { dims, payload } = parseIdx(bytes, file, IDX_IMAGES_MAGIC, "images");
  const [count, rows, cols] = dims as [number, number, number];
  return { count, rows, cols, images: payload };
}

/** An IDX file of unsigned-byte labels (magic 0x00000801, dimension count). */
export function parseIdxLabels(bytes: Uint8Array, file: string): IdxLabels {
  const { dims, payload } = parseIdx(bytes, file, IDX_LABELS_MAGIC, "labels");
  return { count: dims[0]!, labels: payload };
}
