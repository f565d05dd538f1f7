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
}
