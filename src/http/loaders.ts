import type { JobService, SweepState } from "../service/index.js";
import { toSweepView, type SweepView } from "./sweeps.js";
import { toRunView, type RunView } from "./views.js";

/** The wire view of a stored sweep. */
export const sweepViewOf = (state: SweepState): SweepView => toSweepView(state.row, state.spec, state.expanded, state.members, state.counts);

/** Loads runs and sweeps by hash as their wire views (404 when unknown), for the JSON, chart and page routes. */
export interface ViewLoaders {
  loadRun(hash: string): Promise<RunView>;
  loadSweep(hash: string): Promise<SweepView>;
}

export function createViewLoaders(service: JobService): ViewLoaders {
  return {
    loadRun: async (hash) => toRunView(await service.getRun(hash)),
    loadSweep: async (hash) => sweepViewOf(await service.getSweep(hash)),
  };
}
