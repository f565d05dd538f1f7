#!/usr/bin/env python3
"""Checks and times the PyTorch trainer on whatever device is here (docs/runner.md).

Needs only PyTorch and this repository: `python3 bench/gpu-check.py [--batches N] [--batch-size B]`.
For each architecture at density 1 and 0.2 (uniform random masks), trains N batches with the
trainer's own step (SGD momentum 0.9, weight decay 1e-4, masks applied to gradients and weights),
times the batches after a warm-up batch, extrapolates one epoch of training (50,000 CIFAR-10 or
60,000 MNIST images), checks the loss of the first batch fell and the pruned weights are still exactly zero. The CNNs
train on a learnable synthetic CIFAR-shaped task (each class a fixed random mean pattern, plus
noise), the MLP on real MNIST (shipped with the repository). Prints one JSON object.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "python"))

import torch  # noqa: E402

from prunelab_torch import pruning  # noqa: E402
from prunelab_torch.data import load_image_data, normalizer  # noqa: E402
from prunelab_torch.models import build_model, initialize, prunable_layers  # noqa: E402
from prunelab_torch.train import configure_torch, cross_entropy, device_name, engine_info, generator  # noqa: E402

EPOCH_IMAGES = {"mnist": 60_000, "cifar10": 50_000}


def synthetic_cifar(count, seed=0):
    g = torch.Generator().manual_seed(seed)
    means = torch.randn(10, 3, 32, 32, generator=g)
    labels = torch.arange(count) % 10
    return means[labels] + 1.0 * torch.randn(count, 3, 32, 32, generator=g), labels


def mnist_batches(count, device):
    data = load_image_data("mnist")
    mean, std = normalizer("mnist", device)
    images = (data.train_images[:count].to(device).float() / 255 - mean) / std
    return images, data.train_labels[:count].to(device).long()


def check(arch, density, batches, batch_size, device, inputs, labels):
    model = initialize(build_model(arch), generator(0, "init")).to(device)
    layers = prunable_layers(model)
    shapes = [tuple(w.shape) for _, w in layers]
    masks = pruning.random_pruning_masks(shapes, density, "uniform", lambda l: generator(0, "mask", l))
    masks = [m.to(device, torch.float32).reshape(s) for m, s in zip(masks, shapes)]
    weights = [w for _, w in layers]
    with torch.no_grad():
        for w, m in zip(weights, masks):
            w.mul_(m)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01 if arch.startswith("mlp") else 0.02, momentum=0.9, weight_decay=1e-4)
    model.train()
    probe_x, probe_y = inputs[:batch_size], labels[:batch_size]

    def probe():  # the first batch's loss, in training mode, without a step: before and after training
        with torch.no_grad():
            return float(cross_entropy(model(probe_x), probe_y))

    before = probe()
    losses = []
    times = []
    for step in range(batches + 1):
        start = (step * batch_size) % (inputs.shape[0] - batch_size + 1)
        x, y = inputs[start : start + batch_size], labels[start : start + batch_size]
        if device.type == "cuda":
            torch.cuda.synchronize()
        began = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = cross_entropy(model(x), y)
        loss.backward()
        for w, m in zip(weights, masks):
            w.grad.mul_(m)
        optimizer.step()
        with torch.no_grad():
            for w, m in zip(weights, masks):
                w.mul_(m)
        losses.append(float(loss))
        if device.type == "cuda":
            torch.cuda.synchronize()
        if step > 0:  # the first batch warms up (allocations, kernel selection)
            times.append(time.perf_counter() - began)
    zeros = all(bool(torch.all(w[m == 0] == 0)) for w, m in zip(weights, masks))
    ms = 1000 * sum(times) / len(times)
    dataset = "mnist" if arch.startswith("mlp") else "cifar10"
    after = probe()
    return {
        "arch": arch,
        "density": density,
        "batchSize": batch_size,
        "batches": batches,
        "msPerBatch": round(ms, 2),
        "epochSeconds": round(ms / 1000 * EPOCH_IMAGES[dataset] / batch_size, 1),
        "lossBefore": round(before, 4),
        "lossAfter": round(after, 4),
        "lossFell": after < before,
        "prunedStayZero": zeros,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=5, help="timed training batches per architecture and density (default 5)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--archs", default="mlp-1024-1024,resnet20,vgg16,resnet20-128")
    args = parser.parse_args()
    device = configure_torch()
    count = args.batch_size * min(args.batches + 1, 8)
    cifar_x, cifar_y = synthetic_cifar(count)
    cifar_x, cifar_y = cifar_x.to(device), cifar_y.to(device)
    mnist_x, mnist_y = mnist_batches(count, device)
    results = []
    for arch in args.archs.split(","):
        inputs, labels = (mnist_x, mnist_y) if arch.startswith("mlp") else (cifar_x, cifar_y)
        for density in (1.0, 0.2):
            results.append(check(arch, density, args.batches, args.batch_size, device, inputs, labels))
            print(f"{arch} density {density}: {results[-1]['msPerBatch']} ms/batch", file=sys.stderr)
    ok = all(r["lossFell"] and r["prunedStayZero"] for r in results)
    print(json.dumps({"ok": ok, "device": device_name(device), "engine": engine_info(device), "results": results}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
