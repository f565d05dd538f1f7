import type { z } from "zod";
import { parseRunSpec, type PartialResult, type Provenance, type RunError, type RunResult, type runViewSchema } from "../core/index.js";
import type { RunRow } from "../store/index.js";

/** The wire shape of a run: `runViewSchema`, the `Run` component of openapi.yaml. */
export type RunView = z.output<typeof runViewSchema>;

/**
 * A view of the row, never the row itself (docs/architecture.md, House rules). The JSON columns hold what the API validated before
 * storing it (runResultSchema, provenanceSchema, runErrorSchema), so they are typed as such here.
 */
export function toRunView(row: RunRow, notice: string | null = null): RunView {
  return {
    hash: row.hash,
    status: row.status,
    placement: row.placement,
    spec: parseRunSpec(row.spec),
    result: (row.result as RunResult | null) ?? null,
    error: (row.error as RunError | null) ?? null,
    provenance: (row.provenance as Provenance | null) ?? null,
    attempts: row.attempts,
    progress: row.status === "running" ? progressView(row.progress) : null,
    partial: partialView(row.partial),
    notice,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

/** What the last heartbeat reported, as `RunProgress`: `step` is null for image runs and before the first report. */
function progressView(stored: unknown): RunView["progress"] {
  const progress = (stored ?? {}) as Partial<NonNullable<RunView["progress"]>>;
  return { ...progress, step: progress.step ?? null };
}

/** An IMP job's finished levels, from the partial result its runner reported (the stored PartialResult). */
function partialView(stored: unknown): RunView["partial"] {
  if (!stored) return null;
  return (stored as PartialResult).levels.map((level) => ({ level: level.level, density: level.density, final: level.final }));
}
