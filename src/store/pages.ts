import { AppError } from "../core/index.js";

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * Turns `limit + 1` rows fetched newest first (by `seq`) into a page: the extra row only tells
 * that another page exists. Keyset pagination: stable while rows are added.
 */
export function toPage<T extends { seq: number }>(rows: T[], limit: number): Page<Omit<T, "seq">> {
  const page = rows.slice(0, limit);
  return {
    items: page.map(({ seq: _, ...item }) => item),
    nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.seq) : null,
  };
}

/** Cursors are opaque to clients: base64url of the last row's sequence number. */
export function encodeCursor(seq: number): string {
  return btoa(`s${seq}`).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

export function decodeCursor(cursor: string): number {
  let text = "";
  try {
    text = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    /* reported below */
  }
  const seq = /^s(\d{1,15})$/.exec(text)?.[1];
  if (seq === undefined) throw new AppError("bad_request", "invalid cursor", { errors: [{ path: "/cursor", message: "not a cursor this API issued" }] });
  return Number(seq);
}
