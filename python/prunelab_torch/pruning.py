"""The pruning maths of the image kind, exactly as src/core/pruning.ts computes it.

Masks are uint8 tensors (1 kept, 0 pruned) over a layer's weights flattened in PyTorch's row-major
order ([out, in] for a linear layer, [out, in, kh, kw] for a convolution), so a mask, its bit-packed
checkpoint and the magnitude tie-break mean the same to the TypeScript and the PyTorch trainer
(docs/decisions/013-image-kind.md). Counts use JavaScript's Math.round (half up), not Python's
round (half to even); densities are rounded to 12 significant digits as JavaScript's
`Number(x.toPrecision(12))` does.
"""

import base64
import math
import re
from decimal import ROUND_HALF_UP, Decimal

import torch


def js_round(value):
    """JavaScript's Math.round: the nearest integer, halves up (towards +infinity).

    Not floor(x + 0.5), which the addition's own rounding gets wrong for 0.49999999999999994.
    """
    floor = math.floor(value)
    return int(floor + 1 if value - floor >= 0.5 else floor)


def to_precision_12(value):
    """JavaScript's `Number(value.toPrecision(12))` for a finite number.

    toPrecision rounds the double's exact decimal value to 12 significant digits, a tie going to
    the larger magnitude (ECMA-262, Number.prototype.toPrecision); Python's formatting rounds ties
    to even, so this goes through Decimal, which holds the double exactly.
    """
    if value == 0 or not math.isfinite(value):
        return float(value)
    exact = Decimal(value)
    quantum = Decimal(1).scaleb(exact.adjusted() - 11)
    return float(exact.quantize(quantum, rounding=ROUND_HALF_UP))


def density_of(kept, total):
    """A realized density: kept / total to 12 significant digits (0 for an empty total)."""
    return 0 if total == 0 else to_precision_12(kept / total)


def layer_size(shape):
    size = 1
    for dim in shape:
        size *= dim
    return size


def uniform_counts(shapes, density):
    """Random `uniform`: every prunable layer keeps round(density · size) weights."""
    return [js_round(density * layer_size(shape)) for shape in shapes]


def erk_densities(shapes, target):
    """Erdős–Rényi-Kernel densities (RigL's definition, power scale 1), as pruning.ts's erkDensities."""
    sizes = [layer_size(shape) for shape in shapes]
    raw = [sum(shape) / sizes[l] for l, shape in enumerate(shapes)]
    dense = set()
    while True:
        rhs = target
        divisor = 0.0
        for l in range(len(shapes)):
            if l in dense:
                rhs -= sizes[l]
            else:
                divisor += raw[l] * sizes[l]
        open_layers = [l for l in range(len(shapes)) if l not in dense]
        if not open_layers:
            return [1.0 for _ in shapes]
        epsilon = 0.0 if divisor == 0 else rhs / divisor
        top = max(raw[l] for l in open_layers)
        if top * epsilon <= 1:
            return [1.0 if l in dense else epsilon * raw[l] for l in range(len(shapes))]
        for l in open_layers:
            if raw[l] == top:
                dense.add(l)


def erk_counts(shapes, density):
    """Random `erk`: whole counts summing to round(density · total), largest-remainder rounding (ties to the earlier layer)."""
    sizes = [layer_size(shape) for shape in shapes]
    total = sum(sizes)
    target = js_round(density * total)
    real = [min(sizes[l], max(0.0, d * sizes[l])) for l, d in enumerate(erk_densities(shapes, target))]
    counts = [math.floor(c) for c in real]
    missing = target - sum(counts)
    order = sorted(range(len(real)), key=lambda l: (-(real[l] - math.floor(real[l])), l))
    while missing != 0:
        moved = False
        for l in order:
            if missing > 0 and counts[l] < sizes[l]:
                counts[l] += 1
                missing -= 1
                moved = True
            elif missing < 0 and counts[l] > 0:
                counts[l] -= 1
                missing += 1
                moved = True
            if missing == 0:
                break
        if not moved:
            break
    return counts


def random_mask(size, kept, generator):
    """A mask keeping exactly `kept` of `size` weights, uniformly at random: the first `kept`
    positions of a seeded permutation, so one generator's masks are nested across densities."""
    if not isinstance(kept, int) or kept < 0 or kept > size:
        raise ValueError(f"cannot keep {kept} of {size} weights")
    mask = torch.zeros(size, dtype=torch.uint8)
    if kept == size:
        return mask.fill_(1)
    mask[torch.randperm(size, generator=generator)[:kept]] = 1
    return mask


def random_pruning_masks(shapes, density, distribution, generator_of):
    """Random pruning at initialization: counts by `uniform` or `erk`, positions from each layer's own generator."""
    counts = erk_counts(shapes, density) if distribution == "erk" else uniform_counts(shapes, density)
    return [random_mask(layer_size(shape), counts[l], generator_of(l)) for l, shape in enumerate(shapes)]


def dense_masks(shapes):
    return [torch.ones(layer_size(shape), dtype=torch.uint8) for shape in shapes]


def kept_count(mask):
    return int(mask.sum(dtype=torch.int64))


def imp_next_kept(kept, rate):
    """IMP: weights kept after one more level, from `kept` remaining."""
    return kept - js_round(rate * kept)


def imp_kept_schedule(total, rate, levels):
    schedule = [total]
    for _ in range(levels):
        schedule.append(imp_next_kept(schedule[-1], rate))
    return schedule


def global_magnitude_prune(weights, masks, rate):
    """One IMP level: of the kept weights, remove the round(rate · remaining) smallest |w| over all
    layers together (float32 magnitudes); ties at the threshold go in layer order, then index order.
    `weights` are flat tensors matching `masks`; returns new masks, each a subset of the one given."""
    if len(weights) != len(masks) or any(w.numel() != m.numel() for w, m in zip(weights, masks)):
        raise ValueError("weights and masks differ in shape")
    weights = [w.detach().reshape(-1).to("cpu", torch.float32) for w in weights]
    masks = [m.reshape(-1).to("cpu", torch.uint8) for m in masks]
    remaining = sum(kept_count(m) for m in masks)
    remove = remaining - imp_next_kept(remaining, rate)
    result = [m.clone() for m in masks]
    if remove <= 0:
        return result
    magnitudes = torch.cat([w.abs()[m.bool()] for w, m in zip(weights, masks)])
    threshold = torch.sort(magnitudes).values[remove - 1]
    if torch.isnan(threshold):
        raise ValueError("cannot prune by magnitude: a weight is NaN")
    for w, m, out in zip(weights, masks, result):
        below = m.bool() & (w.abs() < threshold)
        remove -= int(below.sum())
        out[below] = 0
    for w, m, out in zip(weights, masks, result):
        if remove <= 0:
            break
        ties = torch.nonzero(out.bool() & (w.abs() == threshold)).reshape(-1)[:remove]
        out[ties] = 0
        remove -= ties.numel()
    return result


def realized_densities(names, shapes, masks):
    """Realized densities per layer and over all prunable layers (12 significant digits)."""
    kept_all = 0
    total = 0
    layers = []
    for name, shape, mask in zip(names, shapes, masks):
        weights = layer_size(shape)
        kept = kept_count(mask)
        kept_all += kept
        total += weights
        layers.append({"layer": name, "weights": weights, "density": density_of(kept, weights)})
    return density_of(kept_all, total), layers


def pack_mask(mask):
    """A mask as a checkpoint stores it: one bit per weight, least significant bit first, padded standard base64."""
    bits = mask.reshape(-1).to("cpu", torch.uint8)
    size = bits.numel()
    padded = torch.zeros((size + 7) // 8 * 8, dtype=torch.uint8)
    padded[:size] = bits
    weights = torch.tensor([1 << k for k in range(8)], dtype=torch.uint8)
    packed = (padded.reshape(-1, 8) * weights).sum(dim=1, dtype=torch.int64).to(torch.uint8)
    return base64.b64encode(bytes(packed.tolist())).decode("ascii")


_STRICT_BASE64 = re.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")


class MaskError(ValueError):
    """A checkpoint mask that does not fit its layer (validation_failed)."""


def unpack_mask(bits, weights):
    """The inverse of pack_mask for a layer of `weights` weights; refuses a length or padding that does not fit."""
    if not isinstance(bits, str) or not _STRICT_BASE64.match(bits):
        raise MaskError("a checkpoint mask is not base64: not padded standard base64")
    data = base64.b64decode(bits)
    if len(data) != (weights + 7) // 8:
        raise MaskError(f"a checkpoint mask of {len(data)} bytes does not fit a layer of {weights} weights")
    if weights % 8 != 0 and data[-1] >> (weights % 8) != 0:
        raise MaskError("a checkpoint mask sets bits past its layer's last weight")
    packed = torch.tensor(list(data), dtype=torch.uint8)
    shifts = torch.arange(8, dtype=torch.uint8)
    unpacked = (packed.reshape(-1, 1) >> shifts) & 1
    return unpacked.reshape(-1)[:weights].clone()
