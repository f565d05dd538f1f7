import { z } from "zod";

/**
 * The one error vocabulary of prunelab. Every failure a client can cause or observe has a code here:
 * the HTTP layer maps each code to an RFC 9457 problem type `/problems/<code>` with this status and
 * title, and the `error.code` stored on a failed or canceled run is one of them too (training_failed,
 * canceled and lease_expired: what the edge trainer or a runner reports, what a cancel writes, what
 * the lease expiry writes; data_missing and data_mismatch: a runner that cannot read a data set's
 * files, docs/data.md).
 * Codes are part of the public contract: never rename one, only add.
 */
export const ERROR_CODES = {
  validation_failed: { status: 422, title: "The request body is not valid" },
  invalid_query: { status: 400, title: "The query parameters are not valid" },
  malformed_json: { status: 400, title: "The request body is not valid JSON" },
  bad_request: { status: 400, title: "The request is malformed" },
  unsupported_media_type: { status: 415, title: "The request body must be application/json" },
  payload_too_large: { status: 413, title: "The request body is too large" },
  over_budget: { status: 422, title: "The spec costs more than this placement allows" },
  not_found: { status: 404, title: "No such resource" },
  unauthorized: { status: 401, title: "A valid API key is required" },
  forbidden: { status: 403, title: "This credential may not do that" },
  lease_lost: { status: 409, title: "The lease is no longer held" },
  conflict: { status: 409, title: "The resource is not in a state that allows this" },
  too_many_queued: { status: 429, title: "Too many queued jobs" },
  schema_behind: { status: 503, title: "The database schema is older than this code" },
  database_unavailable: { status: 503, title: "The database cannot be reached" },
  misconfigured: { status: 500, title: "The service is misconfigured" },
  training_failed: { status: 500, title: "Training failed" },
  canceled: { status: 409, title: "The run was canceled" },
  lease_expired: { status: 503, title: "The job's lease expired too many times without a result" },
  data_missing: { status: 503, title: "A data set's files are not where the runner looks for them" },
  data_mismatch: { status: 500, title: "A data set's files are not the published ones" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
/** Every code, for enums (the stored `error.code` of a run, the problem types). */
export const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/** One invalid field of a request: the `errors` of a validation problem. */
export const fieldErrorSchema = z.strictObject({
  path: z.string().describe("RFC 6901 JSON Pointer into the request body; empty for the whole body."),
  message: z.string(),
});
export type FieldError = z.output<typeof fieldErrorSchema>;

/** An expected failure with a stable code; anything that is not an AppError is a bug (a bare 500). */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly errors: FieldError[] | undefined;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: { errors?: FieldError[]; retryable?: boolean } = {}) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.errors = options.errors;
    this.retryable = options.retryable ?? false;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}
