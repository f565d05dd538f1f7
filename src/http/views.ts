import type { z } from "zod";
import { parseRunSpec, type Provenance, type RunError, type RunResult, type runViewSchema } from "../core/index.js";
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
    progress: row.status === "running" ? { step: row.progressStep } : null,
    partial: null,
    notice,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}
