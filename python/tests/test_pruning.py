import pytest
import torch

from prunelab_torch import pruning


def test_js_round_is_half_up_like_math_round():
    assert pruning.js_round(2.5) == 3 and round(2.5) == 2
    assert pruning.js_round(-2.5) == -2
    assert pruning.js_round(0.49999999999999994) == 0
    assert pruning.js_round(1.4999) == 1 and pruning.js_round(7.0) == 7


@pytest.mark.parametrize(
    "value, expected",
    [
        # values JavaScript's Number(x.toPrecision(12)) gives
        (4097 / 4096, 1.00024414063),  # an exact tie: JavaScript rounds up, Python's '%.12g' to even
        (1 / 3, 0.333333333333),
        (2 / 3, 0.666666666667),
        (123456789012345, 123456789012000),
        (0.1 + 0.2, 0.3),
        (1e-7 / 3, 3.33333333333e-8),
        (1.0, 1.0),
        (0.0, 0.0),
    ],
)
def test_to_precision_12_matches_javascript(value, expected):
    assert pruning.to_precision_12(value) == expected


def test_python_formatting_would_differ_on_ties():
    assert float("%.12g" % (4097 / 4096)) == 1.00024414062


def test_uniform_counts_round_half_up_per_layer():
    assert pruning.uniform_counts([(5, 1), (10, 10)], 0.5) == [3, 50]
    assert pruning.uniform_counts([(3, 3)], 0.0) == [0]


def test_erk_hand_example_caps_the_small_layer():
    # total 10,008, target 5,004; raw 0.75 and 0.02: the small layer is made dense, ε = 4996/200
    densities = pruning.erk_densities([(4, 2), (100, 100)], 5004)
    assert densities[0] == 1.0 and densities[1] == pytest.approx(0.4996)
    assert pruning.erk_counts([(4, 2), (100, 100)], 0.5) == [8, 4996]


@pytest.mark.parametrize("density", [0.8, 0.33, 0.107, 0.01])
def test_erk_counts_sum_to_the_rounded_total(density):
    shapes = [(64, 3, 3, 3), (128, 64, 3, 3), (256, 128, 3, 3), (512, 256, 1, 1), (300, 784)]
    counts = pruning.erk_counts(shapes, density)
    sizes = [pruning.layer_size(s) for s in shapes]
    assert sum(counts) == pruning.js_round(density * sum(sizes))
    assert all(0 <= c <= s for c, s in zip(counts, sizes))
    # ERK: smaller (higher Σshape/Πshape) layers keep larger fractions
    assert counts[0] / sizes[0] >= counts[2] / sizes[2]


def test_random_masks_exact_counts_and_nested_across_densities():
    shapes = [(30, 20), (10, 30)]
    masks = [pruning.random_pruning_masks(shapes, d, "uniform", lambda l: torch.Generator().manual_seed(l)) for d in (0.8, 0.5, 0.2)]
    for d, ms in zip((0.8, 0.5, 0.2), masks):
        assert [pruning.kept_count(m) for m in ms] == pruning.uniform_counts(shapes, d)
    for looser, tighter in zip(masks, masks[1:]):
        for a, b in zip(looser, tighter):
            assert torch.all(b <= a)


def test_imp_schedule_rounds_like_javascript():
    assert pruning.imp_kept_schedule(10, 0.25, 2) == [10, 7, 5]  # round(2.5) = 3, round(1.75) = 2
    assert pruning.imp_kept_schedule(1000, 0.2, 3) == [1000, 800, 640, 512]


def test_global_magnitude_prune_ties_by_layer_then_index():
    weights = [torch.tensor([0.1, 0.5, 0.1]), torch.tensor([0.1, 0.2])]
    masks = pruning.dense_masks([(3,), (2,)])
    pruned = pruning.global_magnitude_prune(weights, masks, 0.4)
    assert pruned[0].tolist() == [0, 1, 0] and pruned[1].tolist() == [1, 1]
    again = pruning.global_magnitude_prune(weights, pruned, 0.4)  # 3 kept, remove round(1.2) = 1: the 0.1 of layer 1
    assert again[0].tolist() == [0, 1, 0] and again[1].tolist() == [0, 1]


def test_global_magnitude_prune_is_global_and_nested():
    g = torch.Generator().manual_seed(0)
    weights = [torch.randn(50, generator=g) * 0.01, torch.randn(200, generator=g)]
    masks = pruning.dense_masks([(50,), (200,)])
    for _ in range(4):
        before = sum(pruning.kept_count(m) for m in masks)
        nxt = pruning.global_magnitude_prune(weights, masks, 0.2)
        assert sum(pruning.kept_count(m) for m in nxt) == pruning.imp_next_kept(before, 0.2)
        assert all(torch.all(b <= a) for a, b in zip(masks, nxt))
        masks = nxt
    # the small-magnitude layer goes first
    assert pruning.kept_count(masks[0]) < 5


def test_realized_densities_are_rounded():
    density, layers = pruning.realized_densities(["a", "b"], [(3,), (3,)], [torch.tensor([1, 0, 0], dtype=torch.uint8), torch.tensor([1, 1, 0], dtype=torch.uint8)])
    assert density == 0.5
    assert layers == [{"layer": "a", "weights": 3, "density": 0.333333333333}, {"layer": "b", "weights": 3, "density": 0.666666666667}]


def test_pack_mask_hand_example_lsb_first():
    mask = torch.tensor([1, 0, 1, 1, 0, 0, 0, 0, 1], dtype=torch.uint8)  # bytes 0b00001101, 0b00000001
    assert pruning.pack_mask(mask) == "DQE="
    assert pruning.unpack_mask("DQE=", 9).tolist() == mask.tolist()


def test_pack_round_trip_and_refusals():
    g = torch.Generator().manual_seed(3)
    for size in (1, 7, 8, 9, 1000, 4099):
        mask = (torch.rand(size, generator=g) < 0.3).to(torch.uint8)
        assert torch.equal(pruning.unpack_mask(pruning.pack_mask(mask), size), mask)
    with pytest.raises(pruning.MaskError):
        pruning.unpack_mask("DQM=", 9)  # a bit past the ninth weight
    with pytest.raises(pruning.MaskError):
        pruning.unpack_mask("DQE=", 17)  # wrong length
    with pytest.raises(pruning.MaskError):
        pruning.unpack_mask("DQE", 9)  # not padded
