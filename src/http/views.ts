import { parseRunSpec } from "../core/index.js";
import type { RunRow } from "../store/index.js";

/** The wire shape of a run (docs/architecture.md, House rules): a view of the row, never the row itself. */
export function toRunView(row: RunRow) {
  return {
    hash: row.hash,
    status: row.status,
    placement: row.placement,
    spec: parseRunSpec(row.spec),
    result: row.result ?? null,
    error: row.error ?? null,
    provenance: row.provenance ?? null,
    attempts: row.attempts,
    progress: row.status === "running" ? { step: row.progressStep } : null,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

export type RunView = ReturnType<typeof toRunView>;
