import { ProblemError } from "../client/index.js";

/**
 * Exit codes of `prunelab`, stable for scripts (documented in README and `prunelab --help`).
 * A problem's HTTP status decides between "rejected" and "not found"; a network failure or a 5xx
 * is "unavailable", so a script can retry exactly the failures worth retrying.
 */
export const EXIT = {
  ok: 0,
  /** A bug or an unexpected answer. */
  internal: 1,
  /** Bad command line, unreadable file or invalid JSON: nothing was sent. */
  usage: 2,
  /** The API rejected the request (validation, auth, limits): a 4xx problem other than 404. */
  rejected: 3,
  /** No run, sweep or preset with that hash or name. */
  notFound: 4,
  /** The job finished but did not succeed (run failed or canceled, sweep failed). */
  jobFailed: 5,
  /** --wait gave up after --timeout seconds; the job goes on. */
  timeout: 6,
  /** The API could not be reached or answered 5xx: worth retrying. */
  unavailable: 7,
} as const;

export const EXIT_CODE_HELP = `Exit codes:
  0  success (with --wait: the run or sweep succeeded)
  1  unexpected error
  2  usage error: bad arguments, unreadable file or invalid JSON (nothing was sent)
  3  rejected by the API (invalid spec, missing key, limits): 4xx problem
  4  not found: no such hash or preset
  5  the job finished without succeeding (failed or canceled)
  6  --wait timed out (the job continues on the server)
  7  API unreachable or 5xx: retry later`;

/** A failure that ends the command with the given exit code and message. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Maps any failure to an exit code and a one-line message. */
export function classify(error: unknown): { code: number; message: string } {
  if (error instanceof CliError) return { code: error.exitCode, message: error.message };
  if (error instanceof ProblemError) {
    const detail = error.problem?.errors?.map((e) => `${e.path || "(body)"}: ${e.message}`).join("; ");
    const message = detail && !error.message.includes(detail) ? `${error.message} [${detail}]` : error.message;
    if (error.status === 404) return { code: EXIT.notFound, message };
    if (error.status >= 500) return { code: EXIT.unavailable, message };
    return { code: EXIT.rejected, message };
  }
  if (error instanceof TypeError && /fetch failed|ECONNREFUSED|network/i.test(`${error.message} ${String(error.cause ?? "")}`)) {
    return { code: EXIT.unavailable, message: `cannot reach the API: ${String((error.cause as Error | undefined)?.message ?? error.message)}` };
  }
  return { code: EXIT.internal, message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
}
