import { asc, desc, eq, lt, sql } from "drizzle-orm";
import { AppError, emptyStatusCounts, type Placement, type RunResult, type RunStatus, type StatusCounts } from "../core/index.js";
import { rowsOf, type Db } from "./db.js";
import { decodeCursor, toPage, type Page } from "./pages.js";
import type { JobRequirements } from "./runs.js";
import { runs, sweepMembers, sweeps, type SweepRow } from "./schema.js";

export interface NewMember {
  position: number;
  hash: string;
  spec: unknown;
  placement: Placement;
  requirements: JobRequirements;
  pointIndex: number;
  repeat: number;
}

export interface MemberState {
  position: number;
  pointIndex: number;
  repeat: number;
  runHash: string;
  status: RunStatus;
  placement: Placement;
  /** What a runner must declare to lease it. */
  kind: string;
  arch: string | null;
  dataset: string | null;
  result: RunResult | null;
}

/** Sweeps and their member runs. A sweep and its members are written by one statement, whole or not at all. */
export function createSweepStore(db: Db) {
  const byHash = async (hash: string): Promise<SweepRow | null> => (await db.select().from(sweeps).where(eq(sweeps.hash, hash)))[0] ?? null;

  return {
    get: byHash,

    /**
     * Creates the sweep, its member list and every member run not already known, in one statement.
     * A known sweep is returned as it is. Refuses with `too_many_queued` when the new runs would
     * take the queue past `queuedCap`.
     */
    async submit(input: { hash: string; spec: unknown; members: NewMember[]; queuedCap: number }): Promise<{ sweep: SweepRow; created: boolean; createdRuns: number }> {
      const members = JSON.stringify(input.members.map(({ requirements, ...m }) => ({ ...m, ...requirements, point_index: m.pointIndex })));
      const [outcome] = rowsOf<{ created_sweep: number; created_runs: number }>(
        await db.execute(sql`
          with input as (
            select * from jsonb_to_recordset(${members}::jsonb)
              as m(position int, hash text, spec jsonb, placement text, kind text, arch text, dataset text, point_index int, repeat int)
          ),
          fresh as (
            select count(distinct hash) as n from input where not exists (select 1 from runs r where r.hash = input.hash)
          ),
          allowed as (
            select (select n from fresh) = 0
              or (select count(*) from runs where status = 'queued') + (select n from fresh) <= ${input.queuedCap} as ok
          ),
          new_sweep as (
            insert into sweeps (hash, spec, size)
            select ${input.hash}, ${JSON.stringify(input.spec)}::jsonb, ${input.members.length}
            where (select ok from allowed)
            on conflict (hash) do nothing
            returning hash
          ),
          new_runs as (
            insert into runs (hash, spec, placement, kind, arch, dataset)
            select distinct on (hash) hash, spec, placement, kind, arch, dataset from input
            where exists (select 1 from new_sweep)
            on conflict (hash) do nothing
            returning hash
          ),
          new_members as (
            insert into sweep_members (sweep_hash, position, run_hash, point_index, repeat)
            select ${input.hash}, position, hash, point_index, repeat from input
            where exists (select 1 from new_sweep)
            returning position
          )
          select (select count(*) from new_sweep)::int as created_sweep,
                 (select count(*) from new_runs)::int as created_runs,
                 (select count(*) from new_members)::int as created_members`),
      );
      const sweep = await byHash(input.hash);
      if (!sweep) throw new AppError("too_many_queued", `the sweep's new runs would exceed ${input.queuedCap} queued runs; retry later`, { retryable: true });
      return { sweep, created: outcome!.created_sweep > 0, createdRuns: outcome!.created_runs };
    },

    /** Members in expansion order with their run's status and, when succeeded, result. */
    async members(hash: string): Promise<MemberState[]> {
      const rows = await db
        .select({
          position: sweepMembers.position,
          pointIndex: sweepMembers.pointIndex,
          repeat: sweepMembers.repeat,
          runHash: sweepMembers.runHash,
          status: runs.status,
          placement: runs.placement,
          kind: runs.kind,
          arch: runs.arch,
          dataset: runs.dataset,
          result: runs.result,
        })
        .from(sweepMembers)
        .innerJoin(runs, eq(runs.hash, sweepMembers.runHash))
        .where(eq(sweepMembers.sweepHash, hash))
        .orderBy(asc(sweepMembers.position));
      return rows.map((row) => ({ ...row, result: (row.result as RunResult | null) ?? null }));
    },

    /** How many members are in each status: one grouped query, no results loaded. */
    async statusCounts(hash: string): Promise<StatusCounts> {
      const rows = await db
        .select({ status: runs.status, n: sql<number>`count(*)::int` })
        .from(sweepMembers)
        .innerJoin(runs, eq(runs.hash, sweepMembers.runHash))
        .where(eq(sweepMembers.sweepHash, hash))
        .groupBy(runs.status);
      const counts = emptyStatusCounts();
      for (const row of rows) counts[row.status] = Number(row.n);
      return counts;
    },

    async list(input: { limit: number; cursor?: string }): Promise<Page<{ hash: string; size: number; createdAt: Date }>> {
      const rows = await db
        .select({ seq: sweeps.seq, hash: sweeps.hash, size: sweeps.size, createdAt: sweeps.createdAt })
        .from(sweeps)
        .where(input.cursor ? lt(sweeps.seq, decodeCursor(input.cursor)) : undefined)
        .orderBy(desc(sweeps.seq))
        .limit(input.limit + 1);
      return toPage(rows, input.limit);
    },
  };
}

export type SweepStore = ReturnType<typeof createSweepStore>;
