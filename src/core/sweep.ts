import { z } from "zod";
import { omitDefaults, sha256Hex, toCanonicalJson, toCanonicalRunSpec, type Identity } from "./canonical.js";
import type { FieldError } from "./errors.js";
import { LIMITS } from "./limits.js";
import { EXPERIMENT_KINDS, SPEC_VERSION, kindDefaults, runSpecSchema, sparsityToDensity, type ExperimentKind, type KindName, type RunSpec } from "./kinds/index.js";
import { nearestName, parseOrThrow, toFieldErrors, toJsonPointer, validationFailed } from "./validation.js";

/** A grid value: a number or a string, or for a whole-section axis (the image kind's `pruning`) an object that replaces the section. */
export type GridValue = number | string | Record<string, unknown>;
/** One grid point: grid key → value, keys in canonical (sorted) order. */
export type GridPoint = Record<string, GridValue>;

/**
 * Paths a grid may vary for a kind: every leaf of its default run spec except the identity fields
 * and the kind's fixed paths, plus the kind's extra paths. A path without a dot is a whole section
 * (docs/architecture.md, Identity and hashing).
 */
export function gridPaths(kind: KindName): string[] {
  const entry = EXPERIMENT_KINDS[kind] as ExperimentKind;
  const leaves = Object.entries(kindDefaults(kind)).flatMap(([section, value]) =>
    typeof value === "object" && value !== null ? Object.keys(value).map((field) => `${section}.${field}`) : [],
  );
  return [...leaves.filter((path) => !entry.fixedGridPaths?.includes(path)), ...(entry.extraGridPaths ?? [])];
}
const SPARSITY_PATH = "pruning.sparsity";
const DENSITY_PATH = "pruning.density";

const sweepEnvelopeSchema = z.strictObject({
  version: z.literal(SPEC_VERSION).default(SPEC_VERSION),
  base: z.record(z.string(), z.unknown()).default({}),
  grid: z
    .record(z.string(), z.array(z.union([z.number(), z.string(), z.record(z.string(), z.unknown())])).min(1).max(LIMITS.maxGridValues))
    .refine((grid) => Object.keys(grid).length >= 1, "the grid needs at least one key")
    .refine((grid) => Object.keys(grid).length <= LIMITS.maxGridKeys, `the grid has at most ${LIMITS.maxGridKeys} keys`),
  repeats: z.int().min(1).max(LIMITS.maxRepeats).default(1),
});

export interface SweepSpec {
  version: typeof SPEC_VERSION;
  base: RunSpec;
  /** Normalized grid: `pruning.sparsity` became `pruning.density`; keys sorted, values in given order. */
  grid: Record<string, GridValue[]>;
  repeats: number;
}

export interface SweepMember {
  pointIndex: number;
  repeat: number;
  spec: RunSpec;
}

function fail(errors: FieldError[]): never {
  throw validationFailed("sweep spec", errors);
}

/** The spec with one grid value set: a field, or (a path without a dot) a whole section replaced. */
function setPath(spec: RunSpec, path: string, value: GridValue): Record<string, unknown> {
  const [section, field] = path.split(".") as [keyof RunSpec, string | undefined];
  if (field === undefined) return { ...spec, [section]: value };
  return { ...spec, [section]: { ...(spec[section] as object), [field]: value } };
}

/** The cartesian product of the grid: keys in sorted order, the last key varying fastest. */
export function gridPoints(grid: Record<string, GridValue[]>): GridPoint[] {
  return Object.keys(grid)
    .sort()
    .reduce<GridPoint[]>((points, key) => points.flatMap((point) => grid[key]!.map((value) => ({ ...point, [key]: value }))), [{}]);
}

function normalizeGrid(grid: Record<string, GridValue[]>, kind: KindName): Record<string, GridValue[]> {
  const errors: FieldError[] = [];
  const paths = gridPaths(kind);
  if (SPARSITY_PATH in grid && DENSITY_PATH in grid) {
    errors.push({ path: toJsonPointer(["grid", SPARSITY_PATH]), message: "vary density or sparsity, not both" });
  }
  const normalized: Record<string, GridValue[]> = {};
  for (const key of Object.keys(grid).sort()) {
    const values = grid[key]!;
    if (key !== SPARSITY_PATH && !paths.includes(key)) {
      const near = nearestName(key, [...paths, SPARSITY_PATH], () => 3);
      const hint = near ? `did you mean "${near}"? ` : "";
      errors.push({ path: toJsonPointer(["grid", key]), message: `not a grid path; ${hint}one of ${[...paths, SPARSITY_PATH].join(", ")}` });
      continue;
    }
    if (key === SPARSITY_PATH) {
      // checked as the user wrote them: a sparsity of 1.5 is not reported as a density of −0.5
      values.forEach((value, index) => {
        if (typeof value !== "number" || !(value >= 0 && value <= 1)) errors.push({ path: toJsonPointer(["grid", key, index]), message: "a sparsity is a number from 0 to 1" });
      });
    }
    const section = !key.includes(".");
    values.forEach((value, index) => {
      if (section !== (typeof value === "object")) {
        errors.push({ path: toJsonPointer(["grid", key, index]), message: section ? `"${key}" is a whole section: each value is an object` : "a grid value is a number or a string" });
      }
    });
    const seen = new Set<string>();
    values.forEach((value, index) => {
      const id = toCanonicalJson(value);
      if (seen.has(id)) errors.push({ path: toJsonPointer(["grid", key, index]), message: `duplicate value ${id}` });
      seen.add(id);
    });
    normalized[key === SPARSITY_PATH ? DENSITY_PATH : key] =
      key === SPARSITY_PATH ? values.map((value) => (typeof value === "number" ? sparsityToDensity(value) : value)) : values;
  }
  if (errors.length > 0) fail(errors);
  return normalized;
}

/**
 * Parses a sweep spec: the base must be a valid run spec, the grid keys known paths with distinct
 * values, and every member a valid run spec. Throws `validation_failed` with JSON Pointer paths.
 */
export function parseSweepSpec(input: unknown): SweepSpec {
  const envelope = sweepEnvelopeSchema.safeParse(input);
  if (!envelope.success) fail(toFieldErrors(envelope.error, [], sweepEnvelopeSchema));
  const { base: baseInput, repeats } = envelope.data;
  const baseParsed = runSpecSchema.safeParse(baseInput);
  if (!baseParsed.success) fail(toFieldErrors(baseParsed.error, ["base"], runSpecSchema));
  const base = baseParsed.data;
  // The size comes from the axis lengths, before anything is expanded: a grid of 4 × 100 values
  // is 10⁸ points, which must be refused, not built.
  const points = Object.values(envelope.data.grid).reduce((product, values) => product * values.length, 1);
  if (points * repeats > LIMITS.maxSweepRuns) {
    fail([{ path: "/repeats", message: `${points} points × ${repeats} repeats exceeds ${LIMITS.maxSweepRuns} runs` }]);
  }
  const grid = normalizeGrid(envelope.data.grid, base.kind);
  if (base.seed + repeats - 1 > LIMITS.maxSeed) {
    fail([{ path: "/repeats", message: `seeds ${base.seed}…${base.seed + repeats - 1} exceed ${LIMITS.maxSeed}` }]);
  }
  const sweep: SweepSpec = { version: SPEC_VERSION, base, grid, repeats };
  expandSweep(sweep); // validates every grid point as a run spec
  return sweep;
}

/** The run spec of one grid point (seed base.seed), as a member there has it; throws `validation_failed` for a point no member can have. */
export function specAt(sweep: SweepSpec, point: GridPoint): RunSpec {
  const candidate = Object.entries(point).reduce<Record<string, unknown>>((spec, [key, value]) => setPath(spec as RunSpec, key, value), sweep.base);
  return parseOrThrow(runSpecSchema, candidate, "run spec");
}

/** The member run specs, point by point, each repeated with seeds base.seed + r (docs/architecture.md, Identity and hashing). */
export function expandSweep(sweep: SweepSpec): SweepMember[] {
  const members: SweepMember[] = [];
  const errors: FieldError[] = [];
  gridPoints(sweep.grid).forEach((point, pointIndex) => {
    const candidate = Object.entries(point).reduce<Record<string, unknown>>(
      (spec, [key, value]) => setPath(spec as RunSpec, key, value),
      sweep.base,
    );
    const parsed = runSpecSchema.safeParse(candidate);
    if (!parsed.success) {
      for (const error of toFieldErrors(parsed.error)) {
        const segments = error.path.slice(1).split("/");
        const dotted = segments.slice(0, 2).join(".");
        const key = dotted in sweep.grid ? dotted : segments[0]!;
        const index = key in sweep.grid ? sweep.grid[key]!.indexOf(point[key]!) : -1;
        // inside a whole-section value, the path goes on into the object the user wrote
        const rest = key.includes(".") ? [] : segments.slice(1);
        errors.push(
          index >= 0
            ? { path: toJsonPointer(["grid", key, index, ...rest]), message: error.message }
            : { path: "/grid", message: `at ${JSON.stringify(point)}: ${error.path || "(spec)"}: ${error.message}` },
        );
      }
      return;
    }
    for (let repeat = 0; repeat < sweep.repeats; repeat++) {
      members.push({ pointIndex, repeat, spec: { ...parsed.data, seed: sweep.base.seed + repeat } });
    }
  });
  if (errors.length > 0) fail(errors.filter((e, i) => errors.findIndex((o) => o.path === e.path && o.message === e.message) === i));
  return members;
}

/**
 * Canonical object of a sweep: base fields the grid overrides are dropped (they cannot change any
 * member), the base is canonical as a run spec, `repeats` omitted when 1.
 */
export function toCanonicalSweepSpec(sweep: SweepSpec): Record<string, unknown> {
  const base = Object.keys(sweep.grid).reduce<Record<string, unknown>>((spec, key) => {
    const [section, field] = key.split(".") as [keyof RunSpec, string | undefined];
    const defaults = kindDefaults(sweep.base.kind)[section] as Record<string, GridValue>;
    return setPath(spec as RunSpec, key, field === undefined ? defaults : defaults[field]!);
  }, sweep.base);
  const canonicalBase = toCanonicalRunSpec(base as RunSpec);
  return {
    ...omitDefaults({ repeats: sweep.repeats }, { repeats: 1 }),
    version: SPEC_VERSION,
    base: canonicalBase,
    grid: sweep.grid,
  };
}

export async function identifySweepSpec(sweep: SweepSpec): Promise<Identity<SweepSpec>> {
  const canonical = toCanonicalJson(toCanonicalSweepSpec(sweep));
  return { hash: await sha256Hex(canonical), canonical, spec: sweep };
}
