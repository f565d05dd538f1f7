import { runSpecSchema, syntheticRunSpecSchema, type RunSpec, type SyntheticRunSpec } from "./kinds/index.js";
import { parseOrThrow } from "./validation.js";

export {
  PRUNING_METHODS,
  SIGNAL_KINDS,
  SIGNAL_PATCHES,
  SPEC_VERSION,
  runSpecSchema,
  sparsityToDensity,
  type RunSpec,
  type RunSpecInput,
} from "./kinds/index.js";

/** Parses a run spec of any registered kind from untrusted input, or throws `validation_failed` with JSON Pointer paths. */
export function parseRunSpec(input: unknown): RunSpec {
  return parseOrThrow(runSpecSchema, input, "run spec");
}

/** Parses a `synthetic` run spec (`kind` may be omitted); for the synthetic engine and its tests. */
export function parseSyntheticSpec(input: unknown): SyntheticRunSpec {
  return parseOrThrow(syntheticRunSpecSchema, input, "run spec");
}

/** The spec with every field at its default: the paper's §5.1 setting, unpruned. */
export const DEFAULT_RUN_SPEC: SyntheticRunSpec = Object.freeze(syntheticRunSpecSchema.parse({}));
