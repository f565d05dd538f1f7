import math

import pytest
import torch

from prunelab_torch.models import build_model, initialize, parameter_count, prunable_layers


@pytest.mark.parametrize(
    "arch, count, low, high",
    [
        ("mlp-1024-1024", 784 * 1024 + 1024 + 1024 * 1024 + 1024 + 1024 * 10 + 10, None, None),
        ("vgg16", 14_728_266, 14.6e6, 14.8e6),
        ("resnet20", 272_474, 0.26e6, 0.28e6),
        ("resnet20-128", 17_289_866, 17.2e6, 17.4e6),
    ],
)
def test_parameter_counts(arch, count, low, high):
    model = build_model(arch)
    assert parameter_count(model) == count
    if low is not None:
        assert low <= count <= high


@pytest.mark.parametrize("arch, shape", [("mlp-1024-1024", (5, 1, 28, 28)), ("vgg16", (2, 3, 32, 32)), ("resnet20", (2, 3, 32, 32)), ("resnet20-128", (2, 3, 32, 32))])
def test_output_shapes(arch, shape):
    model = build_model(arch).eval()
    with torch.no_grad():
        assert model(torch.zeros(shape)).shape == (shape[0], 10)


def test_prunable_layers_are_weights_of_conv_and_linear_but_the_output():
    assert [name for name, _ in prunable_layers(build_model("mlp-1024-1024"))] == ["fc1", "fc2"]
    vgg = prunable_layers(build_model("vgg16"))
    assert len(vgg) == 13 and vgg[0][0] == "features.0" and all(w.dim() == 4 for _, w in vgg)
    resnet = [name for name, _ in prunable_layers(build_model("resnet20"))]
    # stem + 18 block convolutions + 2 projection shortcuts; the output layer `fc` never
    assert len(resnet) == 21 and "blocks.3.shortcut.0" in resnet and "fc" not in resnet


def test_initialization_is_kaiming_normal_and_seeded():
    a = initialize(build_model("resnet20"), torch.Generator().manual_seed(1))
    b = initialize(build_model("resnet20"), torch.Generator().manual_seed(1))
    c = initialize(build_model("resnet20"), torch.Generator().manual_seed(2))
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    assert not torch.equal(a.blocks[8].conv2.weight, c.blocks[8].conv2.weight)
    weight = a.blocks[8].conv2.weight  # 64 × 64 × 3 × 3: fan_in 576
    assert abs(weight.std().item() - math.sqrt(2 / 576)) < 0.002
    assert torch.equal(a.blocks[8].bn2.weight, torch.ones(64)) and torch.equal(a.blocks[8].bn2.bias, torch.zeros(64))
    mlp = initialize(build_model("mlp-1024-1024"), torch.Generator().manual_seed(1))
    assert torch.equal(mlp.fc1.bias, torch.zeros(1024))
    assert abs(mlp.fc1.weight.std().item() - math.sqrt(2 / 784)) < 0.001
