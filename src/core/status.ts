/** Run states (docs/architecture.md, Life of a job): queued → running → succeeded | failed | canceled. */
export const RUN_STATUSES = ["queued", "running", "succeeded", "failed", "canceled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Where a job trains: in the Worker (`edge`) or on a companion runner (`runner`). */
export const PLACEMENTS = ["edge", "runner"] as const;
export type Placement = (typeof PLACEMENTS)[number];

/** Final states never change by themselves; only `retry` moves failed or canceled back to queued. */
export const FINAL_STATUSES: readonly RunStatus[] = ["succeeded", "failed", "canceled"];

/** Whether a run has reached a final state. */
export function isFinalStatus(status: RunStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** Sweep states, derived from its members' by `sweepStatus`. */
export const SWEEP_STATUSES = ["queued", "running", "succeeded", "failed"] as const;
export type SweepStatus = (typeof SWEEP_STATUSES)[number];
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
