import {
  imageRunResultSchema,
  syntheticRunResultSchema,
  toFieldErrors,
  toJsonPointer,
  validationFailed,
  type FieldError,
  type ImageRunResult,
  type ImageRunSpec,
  type KindName,
  type PartialResult,
  type RunResult,
  type RunSpec,
  type SyntheticRunSpec,
} from "../core/index.js";

/**
 * What a result must be for the spec it answers, by kind (docs/architecture.md, Leases and
 * fencing): the HTTP edge parses a result with the union of every kind's schema, and this checks
 * that its shape is the stored spec's kind's, and that it is consistent with the spec. A new kind
 * adds one entry (the map is complete over the registry's names, so the compiler asks for it).
 * Paths are JSON Pointers under `/result`.
 */
const RESULT_CHECKS: { [K in KindName]: (spec: Extract<RunSpec, { kind: K }>, result: unknown) => { result?: RunResult; errors: FieldError[] } } = {
  synthetic: (_spec: SyntheticRunSpec, result) => parseShape(syntheticRunResultSchema, result, "synthetic"),
  image: (spec: ImageRunSpec, input) => {
    const shape = parseShape(imageRunResultSchema, input, "image");
    const image = shape.result as ImageRunResult | undefined;
    if (!image) return shape;
    const errors: FieldError[] = [];
    if (image.dataset.name !== spec.data.dataset) errors.push({ path: "/result/dataset/name", message: `the spec trains on ${spec.data.dataset}` });
    if (spec.pruning.method === "imp") {
      const expected = spec.pruning.levels + 1;
      if (!image.levels) errors.push({ path: "/result/levels", message: `an IMP result lists its ${expected} levels (0 … ${spec.pruning.levels})` });
      else {
        errors.push(...levelErrors(image.levels, "/result/levels"));
        // a diverged trajectory may stop early; a finished one has every level
        if (image.levels.length > expected || (!image.diverged && image.levels.length !== expected)) {
          errors.push({ path: "/result/levels", message: `the spec has levels 0 … ${spec.pruning.levels} (${expected}); the result has ${image.levels.length}` });
        }
      }
    } else if (image.levels) {
      errors.push({ path: "/result/levels", message: "levels belong to IMP results; this spec prunes at random" });
    }
    return { result: image, errors };
  },
};

/** The result parsed with its kind's schema, or field errors under `/result` (the first names the kind). */
function parseShape(schema: typeof syntheticRunResultSchema | typeof imageRunResultSchema, input: unknown, kind: KindName): { result?: RunResult; errors: FieldError[] } {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { result: parsed.data, errors: [] };
  const errors = toFieldErrors(parsed.error, ["result"], schema);
  return { errors: [{ path: "/result", message: `the spec's kind is ${kind}: the result must have its shape` }, ...errors].slice(0, 20) };
}

/** Levels 0, 1, 2, … in order. */
function levelErrors(levels: readonly { level: number }[], at: string): FieldError[] {
  const wrong = levels.findIndex((level, index) => level.level !== index);
  return wrong < 0 ? [] : [{ path: toJsonPointer([...at.split("/").slice(1), wrong, "level"]), message: `levels are listed in order from 0; expected ${wrong}` }];
}

/**
 * The result as the spec's kind defines it; refuses (422 validation_failed) one whose shape is not
 * the kind's, or that contradicts the spec, with every wrong path.
 */
export function checkResult(spec: RunSpec, input: unknown): RunResult {
  const check = RESULT_CHECKS[spec.kind] as (spec: RunSpec, result: unknown) => { result?: RunResult; errors: FieldError[] };
  const { result, errors } = check(spec, input);
  if (!result || errors.length > 0) throw validationFailed("result", errors);
  return result;
}

/**
 * Refuses a partial result that does not belong to the spec: only IMP jobs report partial
 * results, their finished levels in order from 0, no more than the spec's, with the checkpoint of
 * the last of them (docs/decisions/013-image-kind.md).
 */
export function checkPartial(spec: RunSpec, partial: PartialResult): void {
  if (spec.kind !== "image" || spec.pruning.method !== "imp") {
    throw validationFailed("partial result", [{ path: "/partial", message: "partial results belong to IMP jobs (image runs with pruning.method imp)" }]);
  }
  const errors = levelErrors(partial.levels, "/partial/levels");
  if (partial.levels.length > spec.pruning.levels + 1) errors.push({ path: "/partial/levels", message: `the spec has levels 0 … ${spec.pruning.levels}` });
  const last = partial.levels.length - 1;
  if (partial.checkpoint.level !== last) errors.push({ path: "/partial/checkpoint/level", message: `the checkpoint is the mask after the last finished level (${last})` });
  if (errors.length > 0) throw validationFailed("partial result", errors);
}
