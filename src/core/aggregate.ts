import { aggregateImageSweep } from "./aggregate-image.js";
import type { AggregateRow } from "./aggregate-stats.js";
import { aggregateSyntheticSweep } from "./aggregate-synthetic.js";
import type { KindName } from "./kinds/index.js";
import type { KindResults, RunResult } from "./result.js";
import type { SweepMember, SweepSpec } from "./sweep.js";

export * from "./aggregate-stats.js";
export * from "./aggregate-paired.js";
export { aggregateSyntheticSweep } from "./aggregate-synthetic.js";
export { aggregateImageSweep, LEVEL_KEY } from "./aggregate-image.js";

/** Aggregates one kind's member results into the rows of its sweep's table. */
export type Aggregator<K extends KindName> = (sweep: SweepSpec, members: readonly SweepMember[], results: readonly (KindResults[K] | null)[]) => AggregateRow[];

/**
 * The aggregator of each experiment kind (docs/architecture.md, Experiment kinds): synthetic
 * sweeps have a row per grid point, image sweeps a row per method and density (IMP levels
 * included). Adding a kind adds one line here.
 */
export const AGGREGATORS: { [K in KindName]: Aggregator<K> } = {
  synthetic: aggregateSyntheticSweep,
  image: aggregateImageSweep,
};

/**
 * Aggregates member results with the aggregator of the sweep's kind. `results[i]` belongs to
 * `members[i]`; null where that member has no result (yet, or failed).
 */
export function aggregateSweep(sweep: SweepSpec, members: readonly SweepMember[], results: readonly (RunResult | null)[]): AggregateRow[] {
  const aggregate = AGGREGATORS[sweep.base.kind] as Aggregator<KindName>;
  return aggregate(sweep, members, results as readonly (KindResults[KindName] | null)[]);
}
