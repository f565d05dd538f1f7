import { z } from "zod";
import { PLACEMENTS, RUN_STATUSES } from "./status.js";

/**
 * The shapes the API publishes, by the name of their openapi.yaml component. zod is the one source
 * of each (docs/decisions/007-one-source-for-shapes.md): the TypeScript types are inferred from the
 * schemas, and `npm run openapi:generate` writes these components of openapi.yaml from them.
 */
export const COMPONENTS = z.registry<{ id: string }>();

/** Registers `schema` as the openapi.yaml component `id`; a use elsewhere becomes a `$ref` to it. */
export function component<S extends z.ZodType>(id: string, schema: S): S {
  COMPONENTS.add(schema, { id });
  return schema;
}

/**
 * Components that openapi.yaml still writes by hand (the spec documents, whose schemas live in
 * spec.ts and sweep.ts), by the schema that stands for them in a generated shape.
 */
export const HAND_WRITTEN_COMPONENTS = new Map<object, string>();

/**
 * A stand-in for a hand-written component: typed as `T` in TypeScript, a `$ref` to the component
 * in the generated JSON Schema. It checks nothing: views are built by the server, never parsed.
 */
export function handWritten<T>(id: string): z.ZodType<T> {
  const schema = z.custom<T>(() => true);
  HAND_WRITTEN_COMPONENTS.set(schema, id);
  return schema;
}

export const hashSchema = component("Hash", z.string().regex(/^[0-9a-f]{64}$/).describe("SHA-256 of the spec's canonical JSON."));
export const runStatusSchema = component("RunStatus", z.enum(RUN_STATUSES));
export const placementSchema = component("Placement", z.enum(PLACEMENTS));
