import { and, desc, eq, getTableColumns, inArray, lt, sql } from "drizzle-orm";
import { AppError, type Placement, type Provenance, type RunError, type RunResult, type RunStatus } from "../core/index.js";

export type { Provenance, RunError };
import { rowsOf, type Db } from "./db.js";
import { decodeCursor, toPage, type Page } from "./pages.js";
import { runners, runs, type RunRow } from "./schema.js";

export interface Lease {
  hash: string;
  leaseId: string;
  leaseUntil: Date;
  spec: unknown;
  attempts: number;
  /** What an earlier lease of the job reported finished (PartialResult), to resume from; null if nothing. */
  partial: unknown;
}

/** What a job needs of a runner (docs/architecture.md, Leases and fencing): its kind, and its architecture and data set where the kind has them. */
export interface JobRequirements {
  kind: string;
  arch: string | null;
  dataset: string | null;
}

/** What a runner declared it can train at its last lease request. */
export interface RunnerCapabilities {
  backends: string[];
  kinds: string[];
  archs: string[];
  datasets: string[];
}

/** What a runner that declared nothing but backends can train: the runners written before kinds existed train synthetic jobs only. */
export const SYNTHETIC_ONLY: Omit<RunnerCapabilities, "backends"> = { kinds: ["synthetic"], archs: [], datasets: [] };

/** Whether a runner with these capabilities may lease a job with these requirements: the claim's condition, for readers. */
export function canTrain(capabilities: Omit<RunnerCapabilities, "backends">, job: JobRequirements): boolean {
  return capabilities.kinds.includes(job.kind) && (job.arch === null || capabilities.archs.includes(job.arch)) && (job.dataset === null || capabilities.datasets.includes(job.dataset));
}

export interface RunListItem {
  hash: string;
  status: RunStatus;
  placement: Placement;
  attempts: number;
  createdAt: Date;
  finishedAt: Date | null;
}

const columns = Object.entries(getTableColumns(runs));
/** A raw `select *` row (driver column names and values) as Drizzle's typed row. */
function fromDriverRow(row: Record<string, unknown>): RunRow {
  return Object.fromEntries(columns.map(([key, column]) => [key, row[column.name] == null ? null : column.mapFromDriverValue(row[column.name])])) as RunRow;
}

const seconds = (ms: number) => sql`make_interval(secs => ${ms / 1000})`;
/** A list of names as one parameter, for `column in (…)`: an empty list matches nothing. */
const oneOf = (names: readonly string[]) => sql`(select jsonb_array_elements_text(${JSON.stringify(names)}::jsonb))`;

/**
 * Runs and their jobs in Postgres. Every state change is one guarded SQL statement
 * (docs/decisions/004-persistence.md), so it is atomic on every driver, including ones without
 * interactive transactions; the database refuses what the statements do not (constraints and the
 * transition trigger).
 */
export function createRunStore(db: Db) {
  const byHash = async (hash: string): Promise<RunRow | null> => (await db.select().from(runs).where(eq(runs.hash, hash)))[0] ?? null;
  /** The guard of every call under a lease: the job is running under this lease id. */
  const held = (input: { hash: string; leaseId: string }) => and(eq(runs.hash, input.hash), eq(runs.leaseId, input.leaseId), eq(runs.status, "running"));

  return {
    get: byHash,

    /**
     * Creates the run's job unless the hash is known, in one statement; a known hash returns the
     * existing run whatever its state. Refuses with `too_many_queued` when `queuedCap` runs are
     * already queued (a soft cap: concurrent submits can pass it by their number).
     */
    async submit(input: { hash: string; spec: unknown; placement: Placement; requirements: JobRequirements; queuedCap: number }): Promise<{ run: RunRow; created: boolean }> {
      const { kind, arch, dataset } = input.requirements;
      // One statement returns the new row or the existing one: within it the select does not see
      // the insert, so exactly one branch answers. Nothing is written that the answer does not show.
      const attempt = async () =>
        rowsOf<Record<string, unknown> & { created: boolean }>(
          await db.execute(sql`
          with inserted as (
            insert into runs (hash, spec, placement, kind, arch, dataset)
            select ${input.hash}, ${JSON.stringify(input.spec)}::jsonb, ${input.placement}, ${kind}, ${arch}, ${dataset}
            where (select count(*) from runs where status = 'queued') < ${input.queuedCap}
            on conflict (hash) do nothing
            returning *
          )
          select *, true as created from inserted
          union all
          select *, false as created from runs where hash = ${input.hash} and not exists (select 1 from inserted)`),
        )[0];
      // A concurrent submit of the same new hash may commit after this statement took its snapshot:
      // the insert then does nothing, and the select, under that snapshot, does not see the row
      // either. Only then is the answer empty without the cap; the same statement again (a new
      // snapshot) returns that row. Each statement is still the whole state change
      // (docs/decisions/004-persistence.md); a refusal by the cap costs the second one too.
      const row = (await attempt()) ?? (await attempt());
      if (!row) throw new AppError("too_many_queued", `${input.queuedCap} runs are already queued; retry later`, { retryable: true });
      return { run: fromDriverRow(row), created: row.created === true };
    },

    /**
     * Leases up to `max` queued jobs of a placement, oldest first, each with a new server-made lease
     * id (FOR UPDATE SKIP LOCKED: concurrent claimers never get the same job). With `capabilities`,
     * only jobs whose kind the claimer declared, and whose architecture and data set (where the job
     * has them) it declared too: a runner leases only what it can train.
     */
    async claim(input: { placement: Placement; holder: string; max: number; leaseMs: number; capabilities?: Omit<RunnerCapabilities, "backends"> }): Promise<Lease[]> {
      const capable = input.capabilities
        ? sql`and kind in ${oneOf(input.capabilities.kinds)}
              and (arch is null or arch in ${oneOf(input.capabilities.archs)})
              and (dataset is null or dataset in ${oneOf(input.capabilities.datasets)})`
        : sql``;
      // A materialized CTE picks the rows once; `where hash in (select … limit n for update skip
      // locked)` may be rescanned by the planner and update more than n rows.
      const rows = rowsOf<{ seq: number; hash: string; lease_id: string; lease_until: string | Date; spec: unknown; attempts: number; partial: unknown }>(
        await db.execute(sql`
          with picked as materialized (
            select hash from runs
            where status = 'queued' and placement = ${input.placement} ${capable}
            order by seq
            limit ${input.max}
            for update skip locked
          )
          update runs set status = 'running', lease_id = gen_random_uuid(), lease_until = now() + ${seconds(input.leaseMs)},
            holder = ${input.holder}, started_at = now(), progress = null
          from picked
          where runs.hash = picked.hash and runs.status = 'queued'
          returning runs.seq, runs.hash, runs.lease_id, runs.lease_until, runs.spec, runs.attempts, runs.partial`),
      );
      rows.sort((a, b) => Number(a.seq) - Number(b.seq)); // oldest first
      return rows.map((row) => ({ hash: row.hash, leaseId: row.lease_id, leaseUntil: new Date(row.lease_until), spec: row.spec, attempts: Number(row.attempts), partial: row.partial ?? null }));
    },

    /**
     * Extends a held lease, records the progress reported, if any, and notes that its holder is
     * alive; null when the lease is no longer held (expired, canceled, re-leased).
     */
    async heartbeat(input: { hash: string; leaseId: string; leaseMs: number; progress?: Record<string, unknown> }): Promise<RunRow | null> {
      const [row] = await db
        .update(runs)
        .set({ leaseUntil: sql`now() + ${seconds(input.leaseMs)}`, ...(input.progress === undefined ? {} : { progress: input.progress }) })
        .where(held(input))
        .returning();
      // A runner busy with long jobs asks for no work, but its heartbeats show it is there: without
      // this, a job queued behind them would say no runner had been seen (the runner notice).
      if (row?.holder) await db.update(runners).set({ lastSeenAt: sql`now()` }).where(eq(runners.id, row.holder));
      return row ?? null;
    },

    /** Stores an IMP job's partial result under the held lease, replacing the previous one; null when the lease is not held. */
    async savePartial(input: { hash: string; leaseId: string; partial: unknown }): Promise<RunRow | null> {
      const [row] = await db.update(runs).set({ partial: input.partial }).where(held(input)).returning();
      return row ?? null;
    },

    /** Stores the result under the held lease, once, and drops the partial result it supersedes; null when the lease is not held. */
    async complete(input: { hash: string; leaseId: string; result: RunResult; provenance: Provenance }): Promise<RunRow | null> {
      const [row] = await db
        .update(runs)
        .set({ status: "succeeded", result: input.result, provenance: input.provenance, error: null, partial: null, leaseId: null, leaseUntil: null, finishedAt: sql`now()` })
        .where(held(input))
        .returning();
      return row ?? null;
    },

    /**
     * Records a failure under the held lease, as one more attempt. A retryable failure with
     * attempts to spare (attempts + 1 < `maxAttempts`) returns the job to the queue, its error kept
     * for the record until it succeeds and its partial result kept to resume from; otherwise the
     * run is failed until `retry`. Null when the lease is not held.
     */
    async fail(input: { hash: string; leaseId: string; error: RunError; maxAttempts: number }): Promise<RunRow | null> {
      const requeue = input.error.retryable ? sql`${runs.attempts} + 1 < ${input.maxAttempts}` : sql`false`;
      const [row] = await db
        .update(runs)
        .set({
          status: sql`case when ${requeue} then 'queued' else 'failed' end`,
          attempts: sql`${runs.attempts} + 1`,
          error: input.error,
          leaseId: null,
          leaseUntil: null,
          holder: sql`case when ${requeue} then null else ${runs.holder} end`,
          finishedAt: sql`case when ${requeue} then null else now() end`,
        })
        .where(held(input))
        .returning();
      return row ?? null;
    },

    /**
     * Returns expired leases to `queued` with attempts + 1, or to `failed` (retryable) once they
     * reach `maxAttempts`. Returns the runs it changed.
     */
    async expireLeases(maxAttempts: number): Promise<{ hash: string; status: RunStatus; placement: Placement }[]> {
      const exhausted = sql`${runs.attempts} + 1 >= ${maxAttempts}`;
      return db
        .update(runs)
        .set({
          status: sql`case when ${exhausted} then 'failed' else 'queued' end`,
          attempts: sql`${runs.attempts} + 1`,
          error: sql`case when ${exhausted} then jsonb_build_object('code', 'lease_expired', 'message', 'the lease expired ' || (${runs.attempts} + 1) || ' times without a result', 'retryable', true) else ${runs.error} end`,
          finishedAt: sql`case when ${exhausted} then now() else null end`,
          leaseId: null,
          leaseUntil: null,
          holder: null,
        })
        .where(and(eq(runs.status, "running"), lt(runs.leaseUntil, sql`now()`)))
        .returning({ hash: runs.hash, status: runs.status, placement: runs.placement });
    },

    /**
     * Requeues a failed or canceled run with its attempts reset; null if it is in another state. A
     * partial result is kept: the next lease resumes after its last finished level.
     */
    async retry(hash: string): Promise<RunRow | null> {
      const [row] = await db
        .update(runs)
        .set({ status: "queued", attempts: 0, error: null, finishedAt: null, holder: null, progress: null })
        .where(and(eq(runs.hash, hash), inArray(runs.status, ["failed", "canceled"])))
        .returning();
      return row ?? null;
    },

    /** Cancels a queued or running run (a running job loses its lease); null if it is in another state. */
    async cancel(hash: string): Promise<RunRow | null> {
      const [row] = await db
        .update(runs)
        .set({ status: "canceled", error: { code: "canceled", message: "canceled by request", retryable: true }, leaseId: null, leaseUntil: null, finishedAt: sql`now()` })
        .where(and(eq(runs.hash, hash), inArray(runs.status, ["queued", "running"])))
        .returning();
      return row ?? null;
    },

    /** Newest first, keyset-paginated by an opaque cursor. */
    async list(input: { status?: RunStatus; limit: number; cursor?: string }): Promise<Page<RunListItem>> {
      const rows = await db
        .select({ seq: runs.seq, hash: runs.hash, status: runs.status, placement: runs.placement, attempts: runs.attempts, createdAt: runs.createdAt, finishedAt: runs.finishedAt })
        .from(runs)
        .where(and(input.status ? eq(runs.status, input.status) : undefined, input.cursor ? lt(runs.seq, decodeCursor(input.cursor)) : undefined))
        .orderBy(desc(runs.seq))
        .limit(input.limit + 1);
      return toPage(rows, input.limit);
    },

    /** Queued jobs of a placement, oldest first: what the scheduled handler re-sends wake-ups for. */
    async queuedHashes(placement: Placement, limit: number): Promise<string[]> {
      const rows = await db.select({ hash: runs.hash }).from(runs).where(and(eq(runs.status, "queued"), eq(runs.placement, placement))).orderBy(runs.seq).limit(limit);
      return rows.map((row) => row.hash);
    },

    /** Records that a runner asked for work now, with what it declared it can train. */
    async runnerSeen(id: string, capabilities: RunnerCapabilities): Promise<void> {
      const values = { backends: capabilities.backends, capabilities };
      await db
        .insert(runners)
        .values({ id, ...values })
        .onConflictDoUpdate({ target: runners.id, set: { lastSeenAt: sql`now()`, ...values } });
    },

    /**
     * When any runner last asked for work (and how long ago in seconds, by the database's clock;
     * null if none ever did), and what each runner seen within `withinSeconds` declared (a runner
     * that declared only backends trains synthetic jobs only).
     */
    async runnersSeen(withinSeconds: number): Promise<{ last: { at: Date; secondsAgo: number } | null; recent: RunnerCapabilities[] }> {
      const [row] = rowsOf<{ at: string | Date | null; seconds_ago: number | string | null; recent: { backends: string[]; capabilities: RunnerCapabilities | null }[] | string | null }>(
        await db.execute(sql`
          select max(last_seen_at) as at, extract(epoch from now() - max(last_seen_at)) as seconds_ago,
            coalesce(jsonb_agg(jsonb_build_object('backends', backends, 'capabilities', capabilities) order by id)
              filter (where last_seen_at >= now() - ${seconds(withinSeconds * 1000)}), '[]'::jsonb) as recent
          from runners`),
      );
      const recent = typeof row?.recent === "string" ? JSON.parse(row.recent) : (row?.recent ?? []);
      return {
        last: row?.at ? { at: new Date(row.at), secondsAgo: Number(row.seconds_ago) } : null,
        recent: (recent as { backends: string[]; capabilities: RunnerCapabilities | null }[]).map((runner) => runner.capabilities ?? { backends: runner.backends, ...SYNTHETIC_ONLY }),
      };
    },

    async countByStatus(status: RunStatus): Promise<number> {
      return (await db.$count(runs, eq(runs.status, status))) as number;
    },
  };
}

export type RunStore = ReturnType<typeof createRunStore>;
