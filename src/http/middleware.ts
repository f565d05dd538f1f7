import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { timingSafeEqual } from "hono/utils/buffer";
import { AppError } from "../core/index.js";
import type { ApiConfig } from "./config.js";

/** The bearer token of a request, if it sent one. */
export const bearerToken = (c: Context): string | undefined => /^Bearer (.+)$/.exec(c.req.header("authorization") ?? "")?.[1];

/**
 * Whether a presented secret equals one of the accepted ones, in time that does not depend on where
 * they differ (every candidate is compared, each by hash and by value).
 */
export async function matchesSecret(presented: string | undefined, accepted: readonly string[]): Promise<boolean> {
  if (presented === undefined) return false;
  const matches = await Promise.all(accepted.map((secret) => timingSafeEqual(presented, secret)));
  return matches.includes(true);
}

/** Writes need one of the configured API keys; with none configured, writes are open (local use). */
export function requireKey(config: ApiConfig): MiddlewareHandler {
  return async (c, next) => {
    if (config.API_KEYS.length > 0 && !(await matchesSecret(bearerToken(c), config.API_KEYS))) {
      throw new AppError("unauthorized", "send a valid API key as Authorization: Bearer <key>");
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
