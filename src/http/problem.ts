import type { z } from "zod";
import { AppError, ERROR_CODES, type ErrorCode, type problemSchema } from "../core/index.js";

/** RFC 9457 problem details, the body of every error response: `problemSchema`, the `Problem` component. */
export type Problem = z.output<typeof problemSchema>;

export function toProblem(error: AppError): Problem {
  const { status, title } = ERROR_CODES[error.code];
  return { type: `/problems/${error.code}`, title, status, detail: error.message, ...(error.errors ? { errors: error.errors } : {}) };
}

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { "content-type": "application/problem+json", "cache-control": "no-store", "x-content-type-options": "nosniff", ...headers },
  });
}

/** How long a client should wait before retrying a refusal that passes (RFC 9110 §10.2.3). */
const RETRY_AFTER_SECONDS: Record<number, number> = { 429: 30, 503: 5 };

/**
 * What any error answers: an AppError becomes its problem, with the headers its status calls for;
 * anything else is a bug, logged and answered with a bare 500 that reveals nothing. The API speaks
 * it as problem+json (`handleError`), the human pages as HTML (src/http/routes/pages.ts).
 */
export function problemFor(error: Error): { problem: Problem; headers: Record<string, string> } {
  if (error instanceof AppError) {
    const headers: Record<string, string> = {};
    if (RETRY_AFTER_SECONDS[error.status]) headers["retry-after"] = String(RETRY_AFTER_SECONDS[error.status]);
    // RFC 9110 §11.6.1: a 401 names the scheme that would be accepted.
    if (error.status === 401) headers["www-authenticate"] = 'Bearer realm="prunelab"';
    return { problem: toProblem(error), headers };
  }
  console.error("unhandled error", error);
  return { problem: { type: "about:blank", title: "Internal Server Error", status: 500, detail: "an unexpected error occurred; it has been logged" }, headers: {} };
}

/** The one error handler of the API: every error as RFC 9457 problem+json. */
export function handleError(error: Error): Response {
  const { problem, headers } = problemFor(error);
  return problemResponse(problem, headers);
}

/** The human explanation served at each problem type URI. */
export function problemPage(code: string): Response | null {
  if (!Object.hasOwn(ERROR_CODES, code)) return null; // not `in`: "constructor" and "__proto__" are no codes
  const { status, title } = ERROR_CODES[code as ErrorCode];
  return new Response(`${title}\n\nHTTP ${status}. Problem type /problems/${code} of the prunelab API.\n`, {
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "public, max-age=86400" },
  });
}
