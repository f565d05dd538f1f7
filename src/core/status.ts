/** Run states (docs/architecture.md, Life of a job): queued → running → succeeded | failed | canceled. */
export const RUN_STATUSES = ["queued", "running", "succeeded", "failed", "canceled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Where a job trains: in the Worker (`edge`) or on a companion runner (`runner`). */
export const PLACEMENTS = ["edge", "runner"] as const;
export type Placement = (typeof PLACEMENTS)[number];

/** Sweep states, derived from its members' by `sweepStatus`. */
export const SWEEP_STATUSES = ["queued", "running", "succeeded", "failed"] as const;
export type SweepStatus = (typeof SWEEP_STATUSES)[number];

/**
 * Whether a run's or a sweep's status is final: it never changes by itself (only `retry` moves a
 * failed or canceled run back to queued). A sweep is never canceled, so one rule serves both.
 */
export function isFinalStatus(status: RunStatus | SweepStatus): boolean {
  return status === "succeeded" || status === "failed" || status === "canceled";
}
export type StatusCounts = Record<RunStatus, number>;

export function emptyStatusCounts(): StatusCounts {
  return { queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 };
}

/**
 * Sweep status from its members' (docs/architecture.md, Life of a job): `queued` while no member
 * started, `succeeded` when all succeeded, `failed` when all are final and at least one failed or
 * was canceled, else `running`.
 */
export function sweepStatus(counts: StatusCounts): SweepStatus {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (counts.queued === total) return "queued";
  if (counts.succeeded === total) return "succeeded";
  if (counts.succeeded + counts.failed + counts.canceled === total) return "failed";
  return "running";
}
