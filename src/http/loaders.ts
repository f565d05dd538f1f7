import type { JobService, SweepState } from "../service/index.js";
import { toSweepView, type SweepView } from "./sweeps.js";
import { toRunView, type RunView } from "./views.js";

/** The wire view of a stored sweep. */
export const sweepViewOf = (state: SweepState, notice: string | null = null): SweepView => toSweepView(state.row, state.spec, state.expanded, state.members, state.counts, notice);

/** Loads runs and sweeps by hash as their wire views (404 when unknown), for the JSON, chart and page routes. */
export interface ViewLoaders {
  loadRun(hash: string): Promise<RunView>;
  loadSweep(hash: string): Promise<SweepView>;
}

export function createViewLoaders(service: JobService): ViewLoaders {
  return {
    loadRun: async (hash) => {
      const run = await service.getRun(hash);
      return toRunView(run, await service.runnerNotice([run]));
    },
    loadSweep: async (hash) => {
      const state = await service.getSweep(hash);
      return sweepViewOf(state, await service.runnerNotice(state.members));
    },
  };
}
