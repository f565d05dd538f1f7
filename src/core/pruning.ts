import { AppError } from "./errors.js";
import { fromBase64, toBase64 } from "./base64.js";
import type { Random } from "./rng.js";

/**
 * The pruning maths of the image kind (docs/decisions/013-image-kind.md): how many weights each
 * prunable layer keeps, which ones, IMP's global magnitude pruning, realized densities, and masks
 * packed for a checkpoint. Pure: masks are `Uint8Array`s (1 kept, 0 pruned) over a layer's weights
 * in its row-major order as PyTorch stores them ([out, in] for a dense layer, [out, in, kh, kw] for
 * a convolution), so a mask means the same to every trainer.
 */

/** A prunable layer: its name and its weight shape, PyTorch's order. */
export interface PrunableLayer {
  name: string;
  shape: readonly number[];
}

export type Mask = Uint8Array;

export const layerSize = (layer: PrunableLayer): number => layer.shape.reduce((a, b) => a * b, 1);

/** Rounds half away from zero (counts are non-negative: Math.round's half-up). */
const roundCount = (value: number): number => Math.round(value);

/** A realized density: kept / total, rounded to 12 significant digits (0 for an empty total). */
export function densityOf(kept: number, total: number): number {
  return total === 0 ? 0 : Number((kept / total).toPrecision(12));
}

/** Random `uniform`: every prunable layer keeps round(density · size) weights. */
export function uniformCounts(layers: readonly PrunableLayer[], density: number): number[] {
  return layers.map((layer) => roundCount(density * layerSize(layer)));
}

/**
 * Erdős–Rényi-Kernel densities, RigL's definition (Evci et al. 2020, `get_sparsities_erdos_renyi`
 * with power scale 1): density_l = ε · Σ shape_l / Π shape_l, ε solved so the layers keep
 * `target` weights in all; while the densest layer would exceed 1 it is made dense (1) and ε is
 * solved again over the rest. Returns real densities; `erkCounts` turns them into whole counts.
 */
export function erkDensities(layers: readonly PrunableLayer[], target: number): number[] {
  const sizes = layers.map(layerSize);
  const raw = layers.map((layer, l) => layer.shape.reduce((a, b) => a + b, 0) / sizes[l]!);
  const dense = new Set<number>();
  for (;;) {
    let rhs = target;
    let divisor = 0;
    layers.forEach((_, l) => {
      if (dense.has(l)) rhs -= sizes[l]!;
      else divisor += raw[l]! * sizes[l]!;
    });
    const open = layers.map((_, l) => l).filter((l) => !dense.has(l));
    if (open.length === 0) return layers.map(() => 1);
    const epsilon = divisor === 0 ? 0 : rhs / divisor;
    const top = Math.max(...open.map((l) => raw[l]!));
    if (top * epsilon <= 1) return layers.map((_, l) => (dense.has(l) ? 1 : epsilon * raw[l]!));
    // the densest open layers (ties included) become dense, as RigL does; then solve again
    for (const l of open) if (raw[l] === top) dense.add(l);
  }
}

/**
 * Random `erk`: whole kept counts per layer whose sum is exactly round(density · total) over the
 * prunable layers, spread by Erdős–Rényi-Kernel (`erkDensities` solved for that whole target).
 * Rounding is largest-remainder: each layer keeps the floor of its real count, and the weights
 * still missing go one each to the layers with the largest fractional parts (ties to the earlier
 * layer), never beyond a layer's size.
 */
export function erkCounts(layers: readonly PrunableLayer[], density: number): number[] {
  const sizes = layers.map(layerSize);
  const total = sizes.reduce((a, b) => a + b, 0);
  const target = roundCount(density * total);
  const real = erkDensities(layers, target).map((d, l) => Math.min(sizes[l]!, Math.max(0, d * sizes[l]!)));
  const counts = real.map((c) => Math.floor(c));
  let missing = target - counts.reduce((a, b) => a + b, 0);
  const order = real.map((c, l) => ({ l, fraction: c - Math.floor(c) })).sort((a, b) => b.fraction - a.fraction || a.l - b.l);
  // float error can leave the floors one short or over in a layer; a few passes settle it exactly
  while (missing !== 0) {
    let moved = false;
    for (const { l } of order) {
      if (missing > 0 && counts[l]! < sizes[l]!) {
        counts[l]!++;
        missing--;
        moved = true;
      } else if (missing < 0 && counts[l]! > 0) {
        counts[l]!--;
        missing++;
        moved = true;
      }
      if (missing === 0) break;
    }
    if (!moved) break;
  }
  return counts;
}

/**
 * A mask keeping exactly `kept` of `size` weights chosen uniformly at random: the first `kept`
 * positions of a Fisher–Yates shuffle drawn from `random` (a partial shuffle, `kept` draws). The
 * first k positions of a shuffle do not depend on how many follow, so the masks one stream gives
 * for growing `kept` are nested.
 */
export function randomMask(size: number, kept: number, random: Random): Mask {
  if (!Number.isInteger(kept) || kept < 0 || kept > size) throw new RangeError(`cannot keep ${kept} of ${size} weights`);
  const mask = new Uint8Array(size);
  if (kept === size) return mask.fill(1);
  const order = new Uint32Array(size);
  for (let i = 0; i < size; i++) order[i] = i;
  for (let i = 0; i < kept; i++) {
    const j = i + random.int(size - i);
    const chosen = order[j]!;
    order[j] = order[i]!;
    order[i] = chosen;
    mask[chosen] = 1;
  }
  return mask;
}

/**
 * Random pruning at initialization: per-layer counts by `uniform` or `erk`, positions drawn from
 * each layer's own stream (`streamOf(l)`), so one seed's masks of a layer are nested across
 * densities whatever the other layers keep.
 */
export function randomPruningMasks(layers: readonly PrunableLayer[], pruning: { density: number; distribution: "uniform" | "erk" }, streamOf: (layer: number) => Random): Mask[] {
  const counts = pruning.distribution === "erk" ? erkCounts(layers, pruning.density) : uniformCounts(layers, pruning.density);
  return layers.map((layer, l) => randomMask(layerSize(layer), counts[l]!, streamOf(l)));
}

export const denseMasks = (layers: readonly PrunableLayer[]): Mask[] => layers.map((layer) => new Uint8Array(layerSize(layer)).fill(1));

export function keptCount(mask: Mask): number {
  let kept = 0;
  for (let i = 0; i < mask.length; i++) kept += mask[i]!;
  return kept;
}

/** IMP: weights kept after one more level, from `kept` remaining: kept − round(rate · kept). */
export const impNextKept = (kept: number, rate: number): number => kept - roundCount(rate * kept);

/** Prunable weights kept at each IMP level 0 … levels, from `total` (level 0 is dense). */
export function impKeptSchedule(total: number, rate: number, levels: number): number[] {
  const schedule = [total];
  for (let level = 1; level <= levels; level++) schedule.push(impNextKept(schedule[level - 1]!, rate));
  return schedule;
}

/**
 * One level of IMP's global magnitude pruning: of the weights the masks keep, remove the
 * round(rate · remaining) with the smallest |w| over all layers together. Ties at the threshold are
 * removed in layer order, then index order, so the result is deterministic. Returns new masks,
 * each a subset of the one given.
 */
export function globalMagnitudePrune(weights: readonly Float32Array[], masks: readonly Mask[], rate: number): Mask[] {
  if (weights.length !== masks.length || weights.some((w, l) => w.length !== masks[l]!.length)) throw new RangeError("weights and masks differ in shape");
  const remaining = masks.reduce((sum, mask) => sum + keptCount(mask), 0);
  let remove = remaining - impNextKept(remaining, rate);
  const next = masks.map((mask) => Uint8Array.from(mask));
  if (remove <= 0) return next;
  const magnitudes = new Float32Array(remaining);
  let k = 0;
  weights.forEach((w, l) => {
    const mask = masks[l]!;
    for (let i = 0; i < w.length; i++) if (mask[i]) magnitudes[k++] = Math.abs(w[i]!);
  });
  magnitudes.sort();
  const threshold = magnitudes[remove - 1]!;
  if (Number.isNaN(threshold)) throw new RangeError("cannot prune by magnitude: a weight is NaN");
  // first everything strictly below the threshold, then ties at it in (layer, index) order
  weights.forEach((w, l) => {
    const mask = next[l]!;
    for (let i = 0; i < w.length; i++) {
      if (mask[i] && Math.abs(w[i]!) < threshold) {
        mask[i] = 0;
        remove--;
      }
    }
  });
  for (let l = 0; l < weights.length && remove > 0; l++) {
    const w = weights[l]!;
    const mask = next[l]!;
    for (let i = 0; i < w.length && remove > 0; i++) {
      if (mask[i] && Math.abs(w[i]!) === threshold) {
        mask[i] = 0;
        remove--;
      }
    }
  }
  return next;
}

/** Realized densities per layer and over all prunable layers (12 significant digits). */
export function realizedDensities(layers: readonly PrunableLayer[], masks: readonly Mask[]): { density: number; layerDensities: { layer: string; weights: number; density: number }[] } {
  let kept = 0;
  let total = 0;
  const layerDensities = layers.map((layer, l) => {
    const weights = layerSize(layer);
    const k = keptCount(masks[l]!);
    kept += k;
    total += weights;
    return { layer: layer.name, weights, density: densityOf(k, weights) };
  });
  return { density: densityOf(kept, total), layerDensities };
}

/** A mask as a checkpoint stores it: one bit per weight, least significant bit first, base64. */
export function packMask(mask: Mask): string {
  const bytes = new Uint8Array(Math.ceil(mask.length / 8));
  for (let i = 0; i < mask.length; i++) if (mask[i]) bytes[i >> 3]! |= 1 << (i & 7);
  return toBase64(bytes);
}

/** The inverse of `packMask` for a layer of `weights` weights; refuses a length or padding that does not fit. */
export function unpackMask(bits: string, weights: number): Mask {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(bits);
  } catch (error) {
    throw new AppError("validation_failed", `a checkpoint mask is not base64: ${(error as Error).message}`);
  }
  if (bytes.length !== Math.ceil(weights / 8)) throw new AppError("validation_failed", `a checkpoint mask of ${bytes.length} bytes does not fit a layer of ${weights} weights`);
  if (weights % 8 !== 0 && bytes[bytes.length - 1]! >> (weights % 8) !== 0) throw new AppError("validation_failed", "a checkpoint mask sets bits past its layer's last weight");
  const mask = new Uint8Array(weights);
  for (let i = 0; i < weights; i++) mask[i] = (bytes[i >> 3]! >> (i & 7)) & 1;
  return mask;
}
