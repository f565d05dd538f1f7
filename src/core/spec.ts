import { runSpecSchema, type RunSpec } from "./kinds/index.js";
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

/** The spec with every field at its default: the paper's §5.1 setting, unpruned. */
export const DEFAULT_RUN_SPEC: RunSpec = Object.freeze(runSpecSchema.parse({})) as RunSpec;
