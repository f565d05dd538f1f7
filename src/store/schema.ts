import { sql } from "drizzle-orm";
import { bigint, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
// Imported from the modules that define them, not the core's index: drizzle-kit loads this file
// on its own, and needs none of the rest of the core.
import { HASH_PATTERN } from "../core/hash-pattern.js";
import { PLACEMENTS, RUN_STATUSES } from "../core/status.js";

const hashFormat = (column: string) => sql.raw(`${column} ~ '${HASH_PATTERN.source}'`);
const oneOf = (column: string, values: readonly string[]) => sql.raw(`${column} in (${values.map((v) => `'${v}'`).join(", ")})`);

/**
 * A run is also its job (docs/architecture.md, Life of a job): status, placement, attempts and the
 * lease live on the row. The database enforces what must stay true whatever code writes to it: the
 * hash format, known statuses and placements, a result exactly when succeeded, a lease whenever
 * running, and (by the trigger in migrations/0001) only the allowed status transitions.
 */
export const runs = pgTable(
  "runs",
  {
    /** Insertion order, for keyset pagination. */
    seq: bigint("seq", { mode: "number" }).generatedAlwaysAsIdentity().notNull().unique(),
    hash: text("hash").primaryKey(),
    /** The canonical spec object (defaults omitted). */
    spec: jsonb("spec").notNull(),
    status: text("status", { enum: RUN_STATUSES }).notNull().default("queued"),
    placement: text("placement", { enum: PLACEMENTS }).notNull(),
    /**
     * What a runner must declare to lease the job (docs/architecture.md, Leases and fencing): the
     * spec's kind, and the architecture and data set it trains on where the kind has them (the
     * kind registry's `requirements`). Written at submit; like the spec, they never change.
     */
    kind: text("kind").notNull().default("synthetic"),
    arch: text("arch"),
    dataset: text("dataset"),
    result: jsonb("result"),
    error: jsonb("error"),
    attempts: integer("attempts").notNull().default(0),
    leaseId: uuid("lease_id"),
    leaseUntil: timestamp("lease_until", { withTimezone: true, mode: "date" }),
    holder: text("holder"),
    /** What the last heartbeat reported: `{ step }` for synthetic runs, epoch progress for image runs. */
    progress: jsonb("progress"),
    /** An IMP job's finished levels and the checkpoint to resume from (PartialResult), kept across leases until it succeeds. */
    partial: jsonb("partial"),
    provenance: jsonb("provenance"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true, mode: "date" }),
    finishedAt: timestamp("finished_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    check("runs_hash_format", hashFormat("hash")),
    check("runs_status_known", oneOf("status", RUN_STATUSES)),
    check("runs_placement_known", oneOf("placement", PLACEMENTS)),
    check("runs_result_iff_succeeded", sql.raw("(status = 'succeeded') = (result is not null)")),
    check("runs_lease_when_running", sql.raw("status <> 'running' or (lease_id is not null and lease_until is not null)")),
    check("runs_attempts_nonnegative", sql.raw("attempts >= 0")),
    index("runs_claim_idx").on(t.status, t.placement, t.seq),
    index("runs_lease_idx").on(t.leaseUntil).where(sql.raw("status = 'running'")),
  ],
);

export const sweeps = pgTable(
  "sweeps",
  {
    seq: bigint("seq", { mode: "number" }).generatedAlwaysAsIdentity().notNull().unique(),
    hash: text("hash").primaryKey(),
    /** The canonical sweep spec object. */
    spec: jsonb("spec").notNull(),
    /** Member runs, grid points × repeats. */
    size: integer("size").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  () => [check("sweeps_hash_format", hashFormat("hash")), check("sweeps_size_positive", sql.raw("size > 0"))],
);

/** Members in expansion order: grid point `point_index`, repeat `repeat` (seed = base.seed + repeat). */
export const sweepMembers = pgTable(
  "sweep_members",
  {
    sweepHash: text("sweep_hash")
      .notNull()
      .references(() => sweeps.hash),
    position: integer("position").notNull(),
    runHash: text("run_hash")
      .notNull()
      .references(() => runs.hash),
    pointIndex: integer("point_index").notNull(),
    repeat: integer("repeat").notNull(),
  },
  (t) => [primaryKey({ columns: [t.sweepHash, t.position] }), index("sweep_members_run_idx").on(t.runHash)],
);

/**
 * The companion runners that asked for work, and when they last did (docs/architecture.md, Life of
 * a job): a queued runner job whose API has heard from no runner lately says so when read.
 */
export const runners = pgTable("runners", {
  id: text("id").primaryKey(),
  lastSeenAt: timestamp("last_seen_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  /** The backends it declared in its last lease request. */
  backends: jsonb("backends").notNull().default(sql`'[]'::jsonb`),
  /** Everything it declared in its last lease request: backends, kinds, architectures, data sets (RunnerCapabilities). */
  capabilities: jsonb("capabilities"),
});

export const schema = { runs, sweeps, sweepMembers, runners };
export type RunRow = typeof runs.$inferSelect;
export type SweepRow = typeof sweeps.$inferSelect;
