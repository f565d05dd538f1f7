import type { Placement } from "./status.js";
import type { EngineInfo, Provenance } from "./result.js";

/**
 * The provenance of a result: which engine computed it, where and when. Part of what is stored,
 * never of the identity (docs/architecture.md, Identity and hashing). One builder for the edge
 * trainer and the runner, so both report the same fields the same way.
 */
export function toProvenance(input: { engine: EngineInfo; executor: Placement; runnerId: string | null; startedAt: Date; finishedAt: Date }): Provenance {
  return {
    engine: input.engine,
    executor: input.executor,
    runnerId: input.runnerId,
    trainMs: input.finishedAt.getTime() - input.startedAt.getTime(),
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
  };
}
