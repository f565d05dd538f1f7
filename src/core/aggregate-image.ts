import { pairedDifferences, type PairedSample } from "./aggregate-paired.js";
import { meanCurve, summarizeFinals, type AggregateRow } from "./aggregate-stats.js";
import { IMAGE_PRUNING_METHODS, type ImageRunSpec } from "./kinds/index.js";
import type { EpochPoint, ImageRunResult, Metrics } from "./result.js";
import { gridPoints, type SweepMember, type SweepSpec } from "./sweep.js";

/**
 * An image sweep's aggregate (the paper's Figure 3): one row per other grid value, pruning method
 * and density, so random masks and IMP levels line up on one density axis
 * (docs/decisions/013-image-kind.md).
 *
 * - A random member belongs to the row of the density its spec asks for. The realized density
 *   (round(p·size) kept per layer, or ERK's spread of the same total) equals it up to that
 *   rounding, and grouping by the spec keeps every seed of a grid value in one row whatever the
 *   rounding; the row's `pruning.density` is the one asked for.
 * - An IMP member contributes one row per level, level k's final metrics and curve. Levels are
 *   grouped by their index: the counts removed are deterministic, so every seed has the same
 *   level densities, and the row's `pruning.density` is the realized one of the first result that
 *   has the level. Before any result, it is the nominal (1 − rate)^k.
 *
 * A point holds the grid values other than `pruning` and `pruning.density` (which are objects, or
 * replaced by the realized density), then `pruning.method`; the pruning fields members differ in
 * that no grid key names (a `pruning` axis mixing `uniform` and `erk`, or IMP rates), "" where a
 * method has no such field; `pruning.density`; and, when the sweep has IMP members,
 * `pruning.level` ("" for random masks). Rows go by the other grid values in grid order, then the
 * method (random, then IMP), then those differing fields in order of appearance, then density
 * from dense to sparse. `missingSignalNeurons` is null: the image kind has no signal neurons.
 *
 * `paired` compares each seed's test error with a dense run of the same seed and other grid
 * values: for a random mask, the same method and variant at density 1, else any dense run of
 * those values (IMP level 0 included); for an IMP level, level 0 of the same job. Runs of one seed
 * share their data only when `data.trainSize` is equal, which holds within one set of other grid
 * values.
 */
export function aggregateImageSweep(sweep: SweepSpec, members: readonly SweepMember[], results: readonly (ImageRunResult | null)[]): AggregateRow[] {
  const specs = members.map((member) => member.spec as ImageRunSpec);
  const points = gridPoints(sweep.grid);
  const otherKeys = Object.keys(sweep.grid).filter((key) => key !== "pruning" && key !== DENSITY_KEY);
  const variantKeys = differingPruningFields(specs).filter((key) => !(key in sweep.grid));
  const hasImp = specs.some((spec) => spec.pruning.method === "imp");
  const others = new Map<string, number>();
  const variants = new Map<string, number>();
  const groups = new Map<string, Group>();
  const samples: (Omit<PairedSample, "row"> & { group: Group })[] = [];

  specs.forEach((spec, i) => {
    const member = members[i]!;
    const otherValues = otherKeys.map((key) => points[member.pointIndex]![key] as number | string);
    const pruning = spec.pruning as Record<string, unknown>;
    const variantValues = variantKeys.map((key) => {
      const value = pruning[key.slice(PRUNING_PREFIX.length)];
      return typeof value === "number" || typeof value === "string" ? value : "";
    });
    const otherId = JSON.stringify(otherValues);
    const variantId = JSON.stringify(variantValues);
    if (!others.has(otherId)) others.set(otherId, others.size);
    if (!variants.has(variantId)) variants.set(variantId, variants.size);
    const result = results[i] ?? null;
    const contribute = (level: number | "", density: number, outcome: Outcome | null, measured: boolean) => {
      const id = JSON.stringify([otherId, spec.pruning.method, variantId, level === "" ? density : level]);
      let group = groups.get(id);
      if (!group) {
        group = {
          other: others.get(otherId)!,
          method: METHOD_ORDER.indexOf(spec.pruning.method),
          variant: variants.get(variantId)!,
          level,
          density,
          measured,
          values: { others: otherValues, method: spec.pruning.method, variants: variantValues },
          runs: 0,
          outcomes: [],
        };
        groups.set(id, group);
      } else if (measured && !group.measured) {
        group.density = density;
        group.measured = true;
      }
      group.runs += 1;
      if (outcome) group.outcomes.push(outcome);
      const own = JSON.stringify([otherId, spec.pruning.method, variantId, level === "" ? null : spec.seed]);
      samples.push({
        group,
        keys: [own, JSON.stringify([otherId])],
        dense: level === "" ? density === 1 : level === 0,
        seed: spec.seed,
        value: outcome && !outcome.diverged ? outcome.final.testError : null,
      });
    };
    if (spec.pruning.method === "random") {
      contribute("", spec.pruning.density, result && { final: result.final, curve: result.curve, diverged: result.diverged }, false);
      return;
    }
    const { rate, levels } = spec.pruning;
    for (let level = 0; level <= levels; level++) {
      const measured = result ? levelOf(result, level, levels) : null;
      contribute(level, measured?.density ?? Number(((1 - rate) ** level).toPrecision(12)), measured, measured !== null);
    }
  });

  const sorted = [...groups.values()].sort(
    (a, b) => a.other - b.other || a.method - b.method || a.variant - b.variant || b.density - a.density || Number(a.level) - Number(b.level),
  );
  const rowOf = new Map(sorted.map((group, row) => [group, row]));
  const paired = pairedDifferences(
    sorted.length,
    samples.map(({ group, ...sample }) => ({ ...sample, row: rowOf.get(group)! })),
  );
  return sorted.map((group, row) => {
    const point: Record<string, number | string> = {};
    otherKeys.forEach((key, k) => (point[key] = group.values.others[k]!));
    point[METHOD_KEY] = group.values.method;
    variantKeys.forEach((key, k) => (point[key] = group.values.variants[k]!));
    point[DENSITY_KEY] = group.density;
    if (hasImp) point[LEVEL_KEY] = group.level;
    return {
      point,
      runs: group.runs,
      completed: group.outcomes.length,
      diverged: group.outcomes.filter((outcome) => outcome.diverged).length,
      missingSignalNeurons: null,
      final: summarizeFinals(group.outcomes.map((outcome) => outcome.final)),
      paired: paired[row] ?? null,
      curve: meanCurve(group.outcomes.map((outcome) => outcome.curve.map(({ epoch, ...metrics }) => ({ step: epoch, ...metrics })))),
    };
  });
}

const PRUNING_PREFIX = "pruning.";
const METHOD_KEY = "pruning.method";
const DENSITY_KEY = "pruning.density";
/** The IMP level of an image aggregate row; "" for a random mask. */
export const LEVEL_KEY = "pruning.level";
/** Methods in the order rows and series list them: the paper's random pruning first, then IMP. */
const METHOD_ORDER = Object.keys(IMAGE_PRUNING_METHODS);

/** What one member contributes to one row: a level's, or a random mask's, final metrics and curve. */
interface Outcome {
  final: Metrics;
  curve: readonly EpochPoint[];
  diverged: boolean;
}

interface Group {
  other: number;
  method: number;
  variant: number;
  level: number | "";
  density: number;
  /** Whether `density` is a result's realized density (else the nominal one of an IMP level). */
  measured: boolean;
  values: { others: (number | string)[]; method: string; variants: (number | string)[] };
  runs: number;
  outcomes: Outcome[];
}

/** `pruning.<field>` for each pruning field (besides method and density) on which members that have it differ. */
function differingPruningFields(specs: readonly ImageRunSpec[]): string[] {
  const values = new Map<string, Set<string>>();
  for (const spec of specs) {
    for (const [field, value] of Object.entries(spec.pruning)) {
      if (field === "method" || field === "density") continue;
      const seen = values.get(field) ?? new Set<string>();
      seen.add(JSON.stringify(value));
      values.set(field, seen);
    }
  }
  return [...values.entries()].filter(([, seen]) => seen.size > 1).map(([field]) => `${PRUNING_PREFIX}${field}`);
}

/** Level `level` of an IMP result; a result without levels (not one a runner may store) has its last level only. */
function levelOf(result: ImageRunResult, level: number, levels: number): (Outcome & { density: number }) | null {
  const found = result.levels?.find((entry) => entry.level === level);
  if (found) return found;
  return level === levels && !result.levels ? result : null;
}
