import {
  AppError,
  expandSweep,
  identifyRunSpec,
  isFinalStatus,
  type Identity,
  type Placement,
  type Provenance,
  type RunError,
  type RunSpec,
  type RunStatus,
  type EngineInfo,
  type StatusCounts,
  type SweepMember,
  type SweepSpec,
  identifySweepSpec,
  kindOf,
  parseRunSpec,
  parseSweepSpec,
  type PartialResult,
} from "../core/index.js";
import { canTrain, SYNTHETIC_ONLY, type JobRequirements, type Lease, type MemberState, type RunListItem, type Page, type RunnerCapabilities, type SweepStore } from "../store/index.js";
import type { RunRow, SweepRow } from "../store/schema.js";
import { runNextEdgeJob, type EdgeJobOutcome, type Trainer } from "./edge-job.js";
import { createLeases, leaseLost } from "./leases.js";
import { decidePlacement, type RequestedPlacement } from "./placement.js";
import { checkPartial, checkResult } from "./results.js";
import { withStores, type OpenStores, type Stores } from "./stores.js";

/** The settings the job lifecycle obeys; the API's parsed configuration satisfies it. */
export interface JobServiceConfig {
  QUEUED_CAP: number;
  EDGE_MAX_MACS: number;
  LEASE_MIN_SECONDS: number;
  LEASE_MAX_SECONDS: number;
  LEASE_DEFAULT_SECONDS: number;
  /** Attempts of a job (expired leases and retryable failures) before it is failed for good. */
  MAX_ATTEMPTS: number;
  /** Whether runners can connect at all: without a token the runner protocol is closed. */
  RUNNER_TOKEN?: string | undefined;
}

/** A runner that has not asked for work for this long is taken to be gone (they ask every few seconds when idle). */
export const RUNNER_SILENCE_SECONDS = 300;

export interface JobServiceDeps {
  config: JobServiceConfig;
  openStores: OpenStores;
  /** Wakes the edge trainer for a queued edge run (a queue message in the Worker). */
  wakeEdge?(hash: string): Promise<void>;
  /** Wakes it for many at once (a queue batch); defaults to `wakeEdge` per hash. */
  wakeEdgeMany?(hashes: string[]): Promise<void>;
}

/** A run spec's placement and identity, decided before anything is stored. */
export interface PreparedRun {
  placement: Placement;
  identity: Identity<RunSpec>;
}

/** A sweep as stored, with what its view is made of. */
export interface SweepState {
  row: SweepRow;
  spec: SweepSpec;
  expanded: SweepMember[];
  members: MemberState[];
  counts: StatusCounts;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What a runner must declare to lease a job of this spec: the kind registry's `requirements`. */
export function requirementsOf(spec: RunSpec): JobRequirements {
  const needs = kindOf(spec).requirements?.(spec) ?? {};
  return { kind: spec.kind, arch: needs.arch ?? null, dataset: needs.dataset ?? null };
}

/** What a heartbeat reports: a synthetic run's step, an image run's epoch progress, or nothing. */
export interface EpochProgress {
  epoch: number;
  epochs: number;
  level: number;
  levels: number;
  loss: number | null;
}

/** A queued job as the runner notice reads it. */
export interface WaitingJob extends JobRequirements {
  status: RunStatus;
  placement: string;
}

/** How a notice names what a job needs: "mlp-1024-1024 on mnist", "synthetic runs". */
function describeNeeds(job: JobRequirements): string {
  if (job.arch && job.dataset) return `${job.arch} on ${job.dataset}`;
  return job.arch ?? job.dataset ?? `${job.kind} runs`;
}

/** What the runners seen lately declared, together: "kinds synthetic, image; archs mlp-1024-1024; data sets mnist". */
function describeDeclared(runners: RunnerCapabilities[]): string {
  const union = (pick: (runner: RunnerCapabilities) => string[]) => [...new Set(runners.flatMap(pick))].sort().join(", ") || "none";
  return `kinds ${union((r) => r.kinds)}; archs ${union((r) => r.archs)}; data sets ${union((r) => r.datasets)}`;
}

/**
 * The one service for the job lifecycle (docs/architecture.md, Life of a job): submitting runs
 * and sweeps (placement, the queued cap, edge wake-ups), retry and cancel, the lease lifecycle of
 * runners and of the edge trainer, and recovery of expired leases and lost wake-ups. The HTTP
 * routes, the Worker's queue consumer and its cron all call it; it takes parsed specs (validation
 * belongs to the edge that received the input) and throws `AppError`s of the one vocabulary.
 */
export function createJobService(deps: JobServiceDeps) {
  const { config } = deps;
  const use = <T>(fn: (stores: Stores) => Promise<T>) => withStores(deps.openStores, fn);
  /**
   * Wakes the edge trainer. The job is already stored, so a failed wake-up must not turn an
   * accepted submit into an error: it is logged, and the cron re-sends wake-ups for queued edge jobs.
   */
  const wake = async (hashes: string[]) => {
    if (hashes.length === 0) return;
    try {
      if (deps.wakeEdgeMany) await deps.wakeEdgeMany(hashes);
      else for (const hash of hashes) await deps.wakeEdge?.(hash);
    } catch (error) {
      console.warn(`could not wake the edge trainer for ${hashes.length} job(s); the cron will: ${(error as Error).message}`);
    }
  };
  /** Lease lengths a runner may ask for are clamped to the configured range. */
  const leaseMs = (seconds?: number) => 1000 * Math.min(config.LEASE_MAX_SECONDS, Math.max(config.LEASE_MIN_SECONDS, seconds ?? config.LEASE_DEFAULT_SECONDS));

  /**
   * What a submit decides before it touches the database: the placement (refusing `edge` above the
   * budget) and the spec's identity. A caller that needs the hash first (the edge-cache lookup of a
   * re-submit) prepares once and hands the result to `submitRun`.
   */
  async function prepareRun(spec: RunSpec, requested: RequestedPlacement): Promise<PreparedRun> {
    return { placement: decidePlacement(spec, requested, config.EDGE_MAX_MACS), identity: await identifyRunSpec(spec) };
  }

  async function getRun(hash: string): Promise<RunRow> {
    const run = await use((stores) => stores.runs.get(hash));
    if (!run) throw new AppError("not_found", `no run with hash ${hash}`);
    return run;
  }

  /** A stored sweep with its members' states; `parsed` spares re-parsing the spec just submitted. */
  async function loadSweep(stores: Stores, row: SweepRow, parsed?: { spec: SweepSpec; expanded: SweepMember[] }): Promise<SweepState> {
    const spec = parsed?.spec ?? parseSweepSpec(row.spec);
    const expanded = parsed?.expanded ?? expandSweep(spec);
    return { row, spec, expanded, members: await stores.sweeps.members(row.hash), counts: await stores.sweeps.statusCounts(row.hash) };
  }

  return {
    /** Stores the run's job unless its hash is known, and wakes the edge trainer for a new edge job. */
    prepareRun,

    async submitRun(spec: RunSpec, requested: RequestedPlacement, prepared?: PreparedRun): Promise<{ run: RunRow; created: boolean }> {
      const { placement, identity } = prepared ?? (await prepareRun(spec, requested));
      const outcome = await use((stores) => stores.runs.submit({ hash: identity.hash, spec: JSON.parse(identity.canonical), placement, requirements: requirementsOf(spec), queuedCap: config.QUEUED_CAP }));
      if (outcome.created && outcome.run.placement === "edge") await wake([outcome.run.hash]);
      return outcome;
    },

    /** The run once it is final or `seconds` have passed (`Prefer: wait`); polling backs off from 100 ms to 1 s. */
    async waitForRun(run: RunRow, seconds: number): Promise<RunRow> {
      const deadline = Date.now() + seconds * 1000;
      let latest = run;
      for (let delay = 100; !isFinalStatus(latest.status) && Date.now() < deadline; delay = Math.min(1000, delay * 2)) {
        await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
        latest = await getRun(run.hash);
      }
      return latest;
    },

    getRun,

    listRuns(query: { status?: RunStatus; limit: number; cursor?: string }): Promise<Page<RunListItem>> {
      return use((stores) => stores.runs.list(query));
    },

    /** Requeues a failed or canceled run (and wakes the edge trainer for an edge job); 409 from other states. */
    async retryRun(hash: string): Promise<RunRow> {
      const run = await use(async (stores) => (await stores.runs.retry(hash)) ?? refuse(stores, hash, "retried"));
      if (run.placement === "edge") await wake([hash]);
      return run;
    },

    /** Cancels a queued or running run (its lease ends, so its trainer stops); 409 from other states. */
    cancelRun(hash: string): Promise<RunRow> {
      return use(async (stores) => (await stores.runs.cancel(hash)) ?? refuse(stores, hash, "canceled"));
    },

    /**
     * Stores the sweep, its member list and every member run not already known in one statement,
     * then wakes the edge trainer for its new edge members.
     */
    async submitSweep(sweep: SweepSpec, requested: RequestedPlacement): Promise<SweepState & { created: boolean }> {
      const identity = await identifySweepSpec(sweep);
      const expanded = expandSweep(sweep);
      const members = await Promise.all(
        expanded.map(async (member, position) => {
          const run = await identifyRunSpec(member.spec);
          const placement = decidePlacement(member.spec, requested, config.EDGE_MAX_MACS);
          return { position, hash: run.hash, spec: JSON.parse(run.canonical), placement, requirements: requirementsOf(member.spec), pointIndex: member.pointIndex, repeat: member.repeat };
        }),
      );
      const state = await use(async (stores) => {
        const outcome = await stores.sweeps.submit({ hash: identity.hash, spec: JSON.parse(identity.canonical), members, queuedCap: config.QUEUED_CAP });
        return { ...(await loadSweep(stores, outcome.sweep, { spec: sweep, expanded })), created: outcome.created };
      });
      if (state.created) {
        const onEdge = new Set(members.filter((member) => member.placement === "edge").map((member) => member.hash));
        await wake(state.members.filter((member) => member.status === "queued" && onEdge.has(member.runHash)).map((member) => member.runHash));
      }
      return state;
    },

    getSweep(hash: string): Promise<SweepState> {
      return use(async (stores) => {
        const row = await stores.sweeps.get(hash);
        if (!row) throw new AppError("not_found", `no sweep with hash ${hash}`);
        return loadSweep(stores, row);
      });
    },

    listSweeps(query: { limit: number; cursor?: string }): ReturnType<SweepStore["list"]> {
      return use((stores) => stores.sweeps.list(query));
    },

    /**
     * Runner protocol: leases up to `max` runner jobs this runner can train (its declared kinds,
     * architectures and data sets; a runner that declares none trains synthetic jobs only), expired
     * leases first returned to the queue, and notes what this runner declared (so waiting jobs can
     * tell whether any runner can take them). Each lease carries the job's partial result, if any.
     */
    leaseRunnerJobs(input: { runnerId: string; max: number; leaseSeconds?: number; capabilities?: RunnerCapabilities }): Promise<Lease[]> {
      const capabilities = input.capabilities ?? { backends: [], ...SYNTHETIC_ONLY };
      return use(async (stores) => {
        await stores.runs.runnerSeen(input.runnerId, capabilities);
        return createLeases(stores.runs).claim({ placement: "runner", holder: input.runnerId, max: input.max, leaseMs: leaseMs(input.leaseSeconds), maxAttempts: config.MAX_ATTEMPTS, capabilities });
      });
    },

    /**
     * What a reader of queued runner jobs should know when no runner can take them: the protocol
     * is closed, no runner has asked for work lately, or none of those that did can train them (a
     * run names what it needs; a sweep counts its members by what they need). Null when nothing
     * waits on a runner or a runner seen lately can train every waiting job.
     */
    async runnerNotice(jobs: WaitingJob[]): Promise<string | null> {
      const waiting = jobs.filter((job) => job.status === "queued" && job.placement === "runner");
      if (waiting.length === 0) return null;
      const start = "start one with `npm run runner -- --api <this API's URL> --token <RUNNER_TOKEN>` (docs/runner.md)";
      if (!config.RUNNER_TOKEN) return `waiting for a companion runner, but this API has no RUNNER_TOKEN configured, so none can connect: set RUNNER_TOKEN, then ${start}`;
      const seen = await use((stores) => stores.runs.runnersSeen(RUNNER_SILENCE_SECONDS));
      if (seen.recent.length === 0) {
        const since = seen.last ? `since ${seen.last.at.toISOString()}` : "ever";
        return `waiting for a companion runner, and none has asked this API for work ${since}: ${start}`;
      }
      // Jobs that no runner seen lately can train, by what they need.
      const unmet = new Map<string, number>();
      for (const job of waiting) {
        if (seen.recent.some((runner) => canTrain(runner, job))) continue;
        const label = describeNeeds(job);
        unmet.set(label, (unmet.get(label) ?? 0) + 1);
      }
      if (unmet.size === 0) return null;
      const declared = `the runners seen lately (${seen.recent.length}) declare ${describeDeclared(seen.recent)}`;
      const advice = "start a runner that can (docs/runner.md: data sets, --data-dir)";
      if (jobs.length === 1) return `waiting for a runner that can train ${[...unmet.keys()][0]}; ${declared}: ${advice}`;
      const counts = [...unmet].map(([label, n]) => `${n} for ${label}`).join(", ");
      return `queued members wait for a runner that can train them (${counts}); ${declared}: ${advice}`;
    },

    /**
     * Runner protocol: extends a held lease and records the progress reported (a synthetic run's
     * `step`, an image run's epoch progress); `lease_lost` when it is no longer held.
     */
    async heartbeat(input: { hash: string; leaseId: string; leaseSeconds?: number; step?: number; progress?: EpochProgress }): Promise<Date> {
      const progress = input.step === undefined && input.progress === undefined ? undefined : { ...input.progress, ...(input.step === undefined ? {} : { step: input.step }) };
      const until = await use((stores) => createLeases(stores.runs).heartbeat({ hash: input.hash, leaseId: input.leaseId, leaseMs: leaseMs(input.leaseSeconds), ...(progress ? { progress } : {}) }));
      if (!until) throw leaseLost(input.hash);
      return until;
    },

    /**
     * Runner protocol: stores an IMP job's partial result (its finished levels and the checkpoint
     * to resume from) under the lease, replacing the previous one. 422 when it does not belong to
     * the spec; `lease_lost` when the lease is no longer held.
     */
    async savePartial(input: { hash: string; leaseId: string; partial: PartialResult }): Promise<RunRow> {
      return use(async (stores) => {
        // The spec never changes (the transition trigger), so reading it first decides nothing the guarded update could race with.
        const run = await stores.runs.get(input.hash);
        if (!run) throw new AppError("not_found", `no run with hash ${input.hash}`);
        checkPartial(parseRunSpec(run.spec), input.partial);
        const row = await stores.runs.savePartial(input);
        if (!row) throw leaseLost(input.hash);
        return row;
      });
    },

    /**
     * Runner protocol: stores a result under the lease; 422 when its shape is not the spec's
     * kind's (or contradicts the spec), `lease_lost` when the lease is no longer held. The result
     * is parsed here, by the stored spec's kind, not at the edge: only here is the kind known.
     */
    async complete(input: { hash: string; leaseId: string; result: unknown; provenance: Provenance }): Promise<RunRow> {
      return use(async (stores) => {
        const run = await stores.runs.get(input.hash);
        if (!run) throw new AppError("not_found", `no run with hash ${input.hash}`);
        const result = checkResult(parseRunSpec(run.spec), input.result);
        const row = await createLeases(stores.runs).complete({ ...input, result });
        if (!row) throw leaseLost(input.hash);
        return row;
      });
    },

    /**
     * Runner protocol: records a failure under the lease; a retryable one requeues the job while it
     * has attempts left (MAX_ATTEMPTS), waking the edge for an edge job. `lease_lost` when the lease
     * is no longer held.
     */
    async fail(input: { hash: string; leaseId: string; error: RunError }): Promise<RunRow> {
      const row = await use((stores) => createLeases(stores.runs).fail({ ...input, maxAttempts: config.MAX_ATTEMPTS }));
      if (!row) throw leaseLost(input.hash);
      if (row.status === "queued" && row.placement === "edge") await wake([row.hash]);
      return row;
    },

    /** The edge consumer: trains the oldest queued edge job, whichever message woke it. */
    runEdgeJob(input: { train: Trainer; engine: () => EngineInfo; leaseMs: number; holder: string }): Promise<EdgeJobOutcome | null> {
      return use((stores) => runNextEdgeJob({ runs: stores.runs, ...input }));
    },

    /** The cron: returns expired leases to the queue (or fails them past the attempts) and re-sends edge wake-ups. */
    async recover(): Promise<{ expired: number; woken: number }> {
      const { expired, queued } = await use(async (stores) => ({
        expired: (await stores.runs.expireLeases(config.MAX_ATTEMPTS)).length,
        queued: await stores.runs.queuedHashes("edge", 100),
      }));
      await wake(queued);
      return { expired, woken: queued.length };
    },
  };
}

/** The answer to retry or cancel from a state that does not allow it. */
async function refuse(stores: Stores, hash: string, verb: "retried" | "canceled"): Promise<never> {
  const run = await stores.runs.get(hash);
  if (!run) throw new AppError("not_found", `no run with hash ${hash}`);
  throw new AppError("conflict", `a ${run.status} run cannot be ${verb}`);
}

export type JobService = ReturnType<typeof createJobService>;
