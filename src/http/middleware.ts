import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { AppError } from "../core/index.js";
import type { ApiConfig } from "./config.js";

/** The bearer token of a request, if it sent one. */
export const bearerToken = (c: Context): string | undefined => /^Bearer (.+)$/.exec(c.req.header("authorization") ?? "")?.[1];

/** Writes need one of the configured API keys; with none configured, writes are open (local use). */
export function requireKey(config: ApiConfig): MiddlewareHandler {
  return async (c, next) => {
    if (config.API_KEYS.length > 0) {
      const key = bearerToken(c);
      if (!key || !config.API_KEYS.includes(key)) throw new AppError("unauthorized", "send a valid API key as Authorization: Bearer <key>");
    }
    await next();
  };
}

/** Refuses a body over `bytes` with 413 before it is read. */
export function limitBody(bytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: bytes,
    onError: () => {
      throw new AppError("payload_too_large", `the body is larger than ${bytes} bytes`);
    },
  });
}
