/**
 * Standard base64 (RFC 4648 §4, with padding) of bytes, by the web platform's `btoa`/`atob`, which
 * Node, workerd and browsers all have (the core uses no runtime-specific API such as Node's Buffer).
 */
const CHUNK = 0x8000;
/** Padded standard base64 and nothing else: `atob` alone would accept missing padding and spaces. */
const STRICT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  // in chunks, so no argument list grows with the input
  for (let start = 0; start < bytes.length; start += CHUNK) binary += String.fromCharCode(...bytes.subarray(start, start + CHUNK));
  return btoa(binary);
}

/** Decodes padded standard base64; throws a RangeError on anything else. */
export function fromBase64(text: string): Uint8Array {
  if (!STRICT.test(text)) throw new RangeError("not padded standard base64");
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
