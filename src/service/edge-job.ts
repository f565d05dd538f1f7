import { AppError, kindOf, parseRunSpec, toProvenance, type EngineInfo, type RunResult, type RunSpec } from "../core/index.js";
import type { RunStore } from "../store/index.js";
import { createLeases } from "./leases.js";

/** Multiply-adds between two heartbeats: about half a second of the engine's work (docs/decisions/003). */
const HEARTBEAT_MACS = 5e9;
/** …but at least every this many steps, so a cancel reaches even a run of tiny steps quickly. */
const HEARTBEAT_MAX_STEPS = 500;

/** Trains one run spec; no I/O (the engine's `train` for the kind, chosen by the caller). */
export type Trainer = (spec: RunSpec, options: { signal: AbortSignal; onProgress: (progress: { step: number }) => void }) => Promise<RunResult>;

export interface EdgeJobDeps {
  runs: RunStore;
  train: Trainer;
  engine(): EngineInfo;
  /** Lease length for edge jobs; heartbeats renew it. */
  leaseMs: number;
  holder: string;
}

export type EdgeJobOutcome = { hash: string; status: "succeeded" | "failed" | "lease_lost" };

class LeaseLost extends Error {}

/**
 * Claims the oldest queued edge job, trains it and stores its result under the lease. The queue
 * message that woke us is only a wake-up (docs/architecture.md, Life of a job): whichever edge job
 * is oldest gets trained, so lost or repeated messages lose nothing and train nothing twice.
 * Heartbeats go out every ~HEARTBEAT_MACS of work (counted in steps: workerd's clock stands still
 * while training); a refused heartbeat (canceled, expired) aborts training within one step.
 */
export async function runNextEdgeJob(deps: EdgeJobDeps): Promise<EdgeJobOutcome | null> {
  const leases = createLeases(deps.runs);
  const [lease] = await leases.claim({ placement: "edge", holder: deps.holder, max: 1, leaseMs: deps.leaseMs });
  if (!lease) return null;
  const { hash, leaseId } = lease;
  const spec = parseRunSpec(lease.spec);
  const controller = new AbortController();
  const every = Math.min(HEARTBEAT_MAX_STEPS, Math.max(1, Math.floor(HEARTBEAT_MACS / kindOf(spec).cost(spec).macsPerStep)));
  let heartbeats: Promise<void> = Promise.resolve();
  const onProgress = ({ step }: { step: number }) => {
    if (step === 0 || step % every !== 0) return;
    heartbeats = heartbeats.then(async () => {
      const held = await leases.heartbeat({ hash, leaseId, leaseMs: deps.leaseMs, progress: { step } });
      if (!held) controller.abort(new LeaseLost(hash));
    });
  };
  const startedAt = new Date();
  try {
    const result = await deps.train(spec, { signal: controller.signal, onProgress });
    await heartbeats;
    if (controller.signal.aborted) return { hash, status: "lease_lost" };
    const provenance = toProvenance({ engine: deps.engine(), executor: "edge", runnerId: null, startedAt, finishedAt: new Date() });
    const stored = await leases.complete({ hash, leaseId, result, provenance });
    return { hash, status: stored ? "succeeded" : "lease_lost" };
  } catch (error) {
    await heartbeats.catch(() => {});
    if (controller.signal.aborted) return { hash, status: "lease_lost" };
    const message = error instanceof AppError ? error.message : `training failed: ${(error as Error).message}`;
    // training is deterministic: the same spec fails again, so the failure is final (no attempt left to requeue)
    await leases.fail({ hash, leaseId, error: { code: "training_failed", message, retryable: false }, maxAttempts: 1 });
    return { hash, status: "failed" };
  }
}
