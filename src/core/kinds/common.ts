import { z } from "zod";

/**
 * Spec schema version, shared by every experiment kind. Changing a default or the meaning of a
 * field bumps it (docs/architecture.md, Identity and hashing).
 */
export const SPEC_VERSION = 1;

/** `sparsity` is input only: it becomes `density = 1 − sparsity`, rounded to 12 significant digits. */
export function sparsityToDensity(sparsity: number): number {
  return Number((1 - sparsity).toPrecision(12));
}

/** Bounded number builders the kinds' schemas share. */
export const finite = (min: number, max: number) => z.number().min(min).max(max);
export const positive = (max: number) => z.number().positive().max(max);
export const count = (min: number, max: number) => z.int().min(min).max(max);
