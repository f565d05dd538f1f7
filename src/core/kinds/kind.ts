import type { z } from "zod";
import type { Placement } from "../status.js";

/** What every kind's cost model reports; a kind may report more (the synthetic one does). */
export interface KindCost {
  /** Multiply-adds of the whole job: placement compares it with the edge budget. */
  totalMacs: number;
  /** Multiply-adds of one training step: how often a trainer heartbeats. */
  macsPerStep: number;
  /** Bytes of tensors alive while training. */
  memoryBytes: number;
}

/**
 * One experiment kind (docs/architecture.md, Experiment kinds): its run-spec schema with defaults,
 * its cost model and where it may train. Adding a kind adds a file and one registry line; nothing
 * else switches on `kind`. The trainer of each kind is registered beside the engine, not here:
 * the core stays pure.
 */
export interface ExperimentKind<Spec extends { kind: string; seed: number } = { kind: string; seed: number }> {
  readonly name: Spec["kind"];
  readonly title: string;
  /** Parses untrusted input into a fully defaulted spec; it bounds every cost the spec can cause. */
  readonly schema: z.ZodType<Spec>;
  /** Where jobs of this kind may train: `edge` only for kinds the Worker can train within its budget. */
  readonly placements: readonly Placement[];
  cost(spec: Spec): KindCost;
  /**
   * Rewrites raw input before the schema checks it, for defaults that depend on other fields (the
   * image kind's architecture). `runSpecSchema` calls it once `kind` is known.
   */
  readonly prepare?: (input: unknown) => unknown;
  /**
   * The defaults the canonical form omits for this spec, when they depend on the spec (the image
   * kind's architecture and pruning method); else the kind's own defaults. The fields they depend
   * on are `selectors`: written whenever they differ from the kind's defaults.
   */
  defaultsFor?(spec: Spec): Spec;
  readonly selectors?: readonly (readonly [section: string, field: string])[];
  /** Grid paths a sweep may not vary (they change other fields' defaults), and paths it may vary beyond the default spec's leaves. */
  readonly fixedGridPaths?: readonly string[];
  readonly extraGridPaths?: readonly string[];
  /** What a runner must declare to lease a job of this kind (docs/architecture.md, Life of a job). */
  requirements?(spec: Spec): { arch?: string; dataset?: string };
}
