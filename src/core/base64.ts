/**
 * Standard base64 (RFC 4648 §4, with padding) of bytes, written out so the core needs no runtime
 * global (Node's Buffer, the browser's btoa) and works alike in workerd, Node and a browser.
 */
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const VALUES = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

export function toBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  // in slices, so no single string concatenation or argument list grows with the input
  for (let start = 0; start < bytes.length; start += 3 * 4096) {
    const end = Math.min(bytes.length, start + 3 * 4096);
    let out = "";
    for (let i = start; i < end; i += 3) {
      const a = bytes[i]!;
      const b = i + 1 < end ? bytes[i + 1]! : 0;
      const c = i + 2 < end ? bytes[i + 2]! : 0;
      const triple = (a << 16) | (b << 8) | c;
      out += ALPHABET[(triple >> 18) & 63]! + ALPHABET[(triple >> 12) & 63]!;
      out += i + 1 < end ? ALPHABET[(triple >> 6) & 63]! : "=";
      out += i + 2 < end ? ALPHABET[triple & 63]! : "=";
    }
    parts.push(out);
  }
  return parts.join("");
}

/** Decodes padded standard base64; throws a RangeError on anything else. */
export function fromBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new RangeError("base64 length is not a multiple of 4");
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const bytes = new Uint8Array((text.length / 4) * 3 - padding);
  const value = (index: number): number => {
    const code = text.charCodeAt(index);
    const v = code < 128 ? VALUES[code]! : -1;
    if (v < 0) throw new RangeError(`invalid base64 character at ${index}`);
    return v;
  };
  let out = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    const v0 = value(i);
    const v1 = value(i + 1);
    const v2 = last && padding === 2 ? 0 : value(i + 2);
    const v3 = last && padding >= 1 ? 0 : value(i + 3);
    const triple = (v0 << 18) | (v1 << 12) | (v2 << 6) | v3;
    bytes[out++] = (triple >> 16) & 255;
    if (out < bytes.length) bytes[out++] = (triple >> 8) & 255;
    if (out < bytes.length) bytes[out++] = triple & 255;
  }
  return bytes;
}
