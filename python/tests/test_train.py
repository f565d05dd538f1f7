import torch

from prunelab_torch import pruning
from prunelab_torch.data import ImageData
from prunelab_torch.train import Trainer, generator

from conftest import base_spec


def synthetic(dataset, train, test, seed=0):
    g = torch.Generator().manual_seed(seed)
    shape = (1, 28, 28) if dataset == "mnist" else (3, 32, 32)
    images = lambda n: torch.randint(0, 256, (n, *shape), generator=g, dtype=torch.uint8)
    labels = lambda n: (torch.arange(n) % 10).to(torch.uint8)
    return ImageData(dataset, (images(train), labels(train)), (images(test), labels(test)), "0" * 64)


def test_pruned_weights_and_momentum_stay_exactly_zero():
    spec = base_spec("resnet20", "cifar10", 32, {"method": "random", "density": 0.2, "distribution": "erk"}, batchSize=8, momentum=0.9, weightDecay=0.05, learningRate=0.1, augment=True)
    trainer = Trainer(spec, synthetic("cifar10", 32, 8), torch.device("cpu"))
    masks = pruning.random_pruning_masks(trainer.shapes, 0.2, "erk", lambda l: generator(7, "mask", l))
    run = trainer.train_level(0, trainer.init_state, masks, evaluate=False, stop_after=4)
    moved = 0
    for (name, _), mask in zip(trainer.layers, masks):
        before = trainer.init_state[f"{name}.weight"].reshape(-1)
        after = run["final"][f"{name}.weight"].reshape(-1)
        assert torch.all(after[mask == 0] == 0), name
        moved += int((after[mask == 1] != before[mask == 1]).sum())
    assert moved > 0
    density = sum(pruning.kept_count(m) for m in masks) / sum(m.numel() for m in masks)
    assert abs(density - 0.2) < 1e-4


def test_one_sgd_step_under_a_mask_keeps_the_momentum_buffer_zero():
    spec = base_spec(train_size=16, batchSize=16, momentum=0.9, weightDecay=0.1)
    trainer = Trainer(spec, synthetic("mnist", 16, 4), torch.device("cpu"), hidden=(32,))
    masks = [(torch.rand(m, generator=torch.Generator().manual_seed(0)) < 0.5).to(torch.uint8) for m in (32 * 784,)]
    run = trainer.train_level(0, trainer.init_state, masks, evaluate=False, stop_after=3)
    weight = run["final"]["fc1.weight"].reshape(-1)
    assert torch.all(weight[masks[0] == 0] == 0)
    assert torch.count_nonzero(weight[masks[0] == 1]) == int(masks[0].sum())


def test_imp_masks_are_nested_and_follow_the_schedule():
    spec = base_spec(train_size=64, pruning={"method": "imp", "rate": 0.3, "levels": 3, "rewindStep": 2}, batchSize=16, learningRate=0.01)
    lines = []
    trainer = Trainer(spec, synthetic("mnist", 64, 16), torch.device("cpu"), emit=lines.append, hidden=(48,))
    result = trainer.run()
    partials = [line["partial"] for line in lines if line["type"] == "partial"]
    assert len(partials) == 3 and [len(p["levels"]) for p in partials] == [1, 2, 3]
    schedule = pruning.imp_kept_schedule(48 * 784, 0.3, 3)
    previous = None
    for k, partial in enumerate(partials):
        (packed,) = partial["checkpoint"]["masks"]
        mask = pruning.unpack_mask(packed["bits"], packed["weights"])
        assert pruning.kept_count(mask) == schedule[k + 1]
        if previous is not None:
            assert torch.all(mask <= previous)
        previous = mask
    assert [level["level"] for level in result["levels"]] == [0, 1, 2, 3]
    assert result["density"] == pruning.density_of(schedule[3], schedule[0])
    progress = [line for line in lines if line["type"] == "progress"]
    assert [(p["level"], p["epoch"]) for p in progress] == [(l, e) for l in range(4) for e in range(2)]


def test_divergence_stops_with_null_metrics_and_imp_lists_level_zero():
    spec = base_spec(train_size=32, pruning={"method": "imp", "rate": 0.2, "levels": 2, "rewindStep": 0}, batchSize=8, learningRate=1e38, momentum=0.9, epochs=3)  # beyond the schema: overflows at once
    trainer = Trainer(spec, synthetic("mnist", 32, 8), torch.device("cpu"), hidden=(64,))
    result = trainer.run()
    assert result["diverged"] is True
    assert len(result["levels"]) == 1 and result["levels"][0]["level"] == 0
    assert result["final"]["trainLoss"] is None and result["final"]["trainError"] is None
