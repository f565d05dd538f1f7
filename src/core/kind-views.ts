import type { AggregateRow } from "./aggregate.js";
import { describeImageSpec, densityAxis, imageRunChart, imageSweepChart } from "./charts-image.js";
import { hasMap, regimeMap, type TheoryAt } from "./charts-map.js";
import { describeSyntheticSpec, runChart, sweepAxis, sweepChart, type VegaLiteSpec } from "./charts.js";
import type { KindName, RunSpec, SyntheticRunSpec } from "./kinds/index.js";
import type { KindResults, RunResult } from "./result.js";
import { specAt, type SweepSpec } from "./sweep.js";
import { theoryScales } from "./theory.js";

type SpecOf<K extends KindName> = Extract<RunSpec, { kind: K }>;

/** How one experiment kind is shown: its spec in a line, its run chart and its sweep chart. */
export interface KindViews<K extends KindName> {
  describeSpec(spec: SpecOf<K>, omit?: readonly string[]): string;
  runChart(spec: SpecOf<K>, result: KindResults[K], title: string, subtitle?: string): VegaLiteSpec;
  sweepChart(sweep: SweepSpec, rows: readonly AggregateRow[], title: string, subtitle?: string): VegaLiteSpec;
  /** What the sweep chart plots, for its default title: `final error against sparsity`. */
  sweepSubject(sweep: SweepSpec, rows: readonly AggregateRow[]): string;
  /** The theory's scales at a grid point, drawn on the sweep's regime map; null where the kind has none. */
  mapTheory(sweep: SweepSpec): TheoryAt;
}

/**
 * The views of each experiment kind (docs/architecture.md, Experiment kinds): the charts and
 * descriptions the API, the pages and the CLI show. Adding a kind adds one entry here.
 */
export const KIND_VIEWS: { [K in KindName]: KindViews<K> } = {
  synthetic: {
    describeSpec: describeSyntheticSpec,
    runChart: (_spec, result, title, subtitle) => runChart(result, title, subtitle),
    sweepChart,
    sweepSubject: (sweep) => `final error against ${sweepAxis(sweep).title.split(" (")[0]}`,
    mapTheory: (sweep) => (point) => theoryScales(specAt(sweep, point) as SyntheticRunSpec),
  },
  image: {
    describeSpec: describeImageSpec,
    runChart: (_spec, result, title, subtitle) => imageRunChart(result, title, subtitle),
    sweepChart: imageSweepChart,
    sweepSubject: (_sweep, rows) => `final accuracy against ${densityAxis(rows.map((row) => row.point["pruning.density"] as number)).name}`,
    mapTheory: () => () => null,
  },
};

const viewsOf = (kind: KindName) => KIND_VIEWS[kind] as unknown as KindViews<KindName>;

/** One line naming a run spec's parameters (chart subtitles, page headings); `omit` names fields, or whole sections, to leave out. */
export function describeRunSpec(spec: RunSpec, omit: readonly string[] = []): string {
  return viewsOf(spec.kind).describeSpec(spec, omit);
}

/** A run's chart, by its kind. */
export function runChartOf(spec: RunSpec, result: RunResult, title: string, subtitle?: string): VegaLiteSpec {
  return viewsOf(spec.kind).runChart(spec, result as KindResults[KindName], title, subtitle);
}

/** A sweep's chart, by the kind of its base spec. */
export function sweepChartOf(sweep: SweepSpec, rows: readonly AggregateRow[], title: string, subtitle?: string): VegaLiteSpec {
  return viewsOf(sweep.base.kind).sweepChart(sweep, rows, title, subtitle);
}

/** What a sweep's chart plots, in words. */
export function sweepSubject(sweep: SweepSpec, rows: readonly AggregateRow[]): string {
  return viewsOf(sweep.base.kind).sweepSubject(sweep, rows);
}

/**
 * A sweep's regime map (docs/decisions/015-paired-comparisons-and-regime-maps.md), with the
 * theory of the sweep's kind drawn on it; null when the sweep has none (it needs exactly two
 * numeric grid axes and one aggregate row per cell).
 */
export function sweepMapOf(sweep: SweepSpec, rows: readonly AggregateRow[], title: string, subtitle?: string): VegaLiteSpec | null {
  if (!hasMap(sweep, rows)) return null;
  return regimeMap(sweep, rows, title, subtitle, viewsOf(sweep.base.kind).mapTheory(sweep));
}
