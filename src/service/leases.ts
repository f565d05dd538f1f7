import { AppError, type Placement, type Provenance, type RunError, type RunResult } from "../core/index.js";
import type { Lease, RunnerCapabilities, RunStore } from "../store/index.js";
import type { RunRow } from "../store/schema.js";

/** The answer to a call under a lease that is no longer held: the caller must stop and discard its work. */
export const leaseLost = (hash: string) => new AppError("lease_lost", `the lease on ${hash} is no longer held: stop and discard the work`);

/**
 * The lease lifecycle of a job, the same for every executor — the edge trainer and the runners
 * (docs/architecture.md, Life of a job): claim with a fresh lease id, heartbeat to extend it,
 * then complete or fail under it. Each step is one guarded statement in the store, so a lease
 * that expired, was canceled or was taken over refuses the step (`null`), and nothing is written.
 */
export function createLeases(runs: RunStore) {
  return {
    /**
     * Leases up to `max` queued jobs of a placement, oldest first. With `maxAttempts`, expired
     * leases are returned to the queue first, so runners never wait for the cron to get a dead
     * executor's job. With `capabilities`, only jobs the claimer can train.
     */
    async claim(input: { placement: Placement; holder: string; max: number; leaseMs: number; maxAttempts?: number; capabilities?: Omit<RunnerCapabilities, "backends"> }): Promise<Lease[]> {
      if (input.maxAttempts !== undefined) await runs.expireLeases(input.maxAttempts);
      return runs.claim({ placement: input.placement, holder: input.holder, max: input.max, leaseMs: input.leaseMs, ...(input.capabilities ? { capabilities: input.capabilities } : {}) });
    },

    /** Extends a held lease, recording the progress reported; `null` when it is no longer held. */
    async heartbeat(input: { hash: string; leaseId: string; leaseMs: number; progress?: Record<string, unknown> }): Promise<Date | null> {
      const row = await runs.heartbeat(input);
      return row?.leaseUntil ?? null;
    },

    /** Stores the result with its provenance, once; `null` when the lease is no longer held. */
    complete(input: { hash: string; leaseId: string; result: RunResult; provenance: Provenance }): Promise<RunRow | null> {
      return runs.complete(input);
    },

    /**
     * Records a failure (a code of the error vocabulary); a retryable one returns the job to the
     * queue while it has attempts left (fewer than `maxAttempts` so far, counting this one).
     * `null` when the lease is no longer held.
     */
    fail(input: { hash: string; leaseId: string; error: RunError; maxAttempts: number }): Promise<RunRow | null> {
      return runs.fail(input);
    },
  };
}

export type Leases = ReturnType<typeof createLeases>;
