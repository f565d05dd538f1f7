import type { Context } from "hono";
import { AppError, HASH_PATTERN } from "../core/index.js";

/** The JSON body of a request, or the problem explaining why there is none. */
export async function readJson(c: Context): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) throw new AppError("unsupported_media_type", `send the body as application/json, not "${type || "nothing"}"`);
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError("malformed_json", `the body is not JSON: ${(error as Error).message}`);
  }
}

/** A hash path parameter, checked before anything touches the database. */
export function checkHash(hash: string | undefined): string {
  if (!hash || !HASH_PATTERN.test(hash)) throw new AppError("bad_request", "a hash is 64 lowercase hex digits", { errors: [{ path: "/hash", message: "not a hash" }] });
  return hash;
}
