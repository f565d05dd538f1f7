import { z } from "zod";
import type { ExperimentKind } from "./kind.js";
import { imageKind, imageSpecObjectSchema } from "./image.js";
import { syntheticKind, syntheticRunSpecSchema } from "./synthetic.js";

export * from "./common.js";
export * from "./kind.js";
export * from "./synthetic.js";
export * from "./image.js";

/**
 * The registry of experiment kinds (docs/architecture.md, Experiment kinds). A run spec's `kind`
 * selects its entry; a spec without one is `synthetic`. A new kind is one file beside
 * `synthetic.ts`, one line here and one member of `runSpecSchema`'s union below.
 */
export const EXPERIMENT_KINDS = {
  synthetic: syntheticKind,
  image: imageKind,
} as const;

export type KindName = keyof typeof EXPERIMENT_KINDS;
export const KIND_NAMES = Object.keys(EXPERIMENT_KINDS) as [KindName, ...KindName[]];
export const DEFAULT_KIND: KindName = "synthetic";

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The zod schema of every run spec: the kind's own schema, chosen by `kind` (absent means
 * `synthetic`, so specs written before kinds existed keep parsing, and hashing, as before).
 */
export const runSpecSchema = z.preprocess(
  (input) => {
    if (!isObject(input)) return input;
    const withKind = input.kind === undefined ? { ...input, kind: DEFAULT_KIND } : input;
    const kind = typeof withKind.kind === "string" && Object.hasOwn(EXPERIMENT_KINDS, withKind.kind) ? (EXPERIMENT_KINDS[withKind.kind as KindName] as ExperimentKind) : undefined;
    return kind?.prepare ? kind.prepare(withKind) : withKind;
  },
  z.discriminatedUnion("kind", [syntheticRunSpecSchema, imageSpecObjectSchema], {
    error: (issue) => (issue.code === "invalid_union" ? `unknown kind; one of ${KIND_NAMES.join(", ")}` : undefined),
  }),
);

/** A fully defaulted, validated run spec of any kind. */
export type RunSpec = z.output<typeof runSpecSchema>;
/** What a client may send: any field may be omitted. */
export type RunSpecInput = z.input<typeof syntheticRunSpecSchema> | (Partial<z.input<typeof imageSpecObjectSchema>> & { kind: "image" });

const defaults = new Map<KindName, RunSpec>();
/**
 * A kind's spec with every field at its default: the canonical form omits fields equal to these,
 * so each kind has its own defaults and a new kind never changes an existing hash.
 */
export function kindDefaults(name: KindName): RunSpec {
  let spec = defaults.get(name);
  if (!spec) {
    spec = Object.freeze(runSpecSchema.parse({ kind: name })) as RunSpec;
    defaults.set(name, spec);
  }
  return spec;
}

/** The defaults the canonical form of this spec omits (docs/architecture.md, Identity and hashing). */
export function defaultsOf(spec: RunSpec): RunSpec {
  return kindOf(spec).defaultsFor?.(spec) ?? kindDefaults(spec.kind);
}

/** The registry entry of a parsed spec. */
export function kindOf(spec: RunSpec): ExperimentKind<RunSpec> {
  return EXPERIMENT_KINDS[spec.kind] as ExperimentKind<RunSpec>;
}
