"""Tests of the PyTorch trainer: `python3 -m pytest python/tests` from the repository root."""

import json
import os
import subprocess
import sys

import pytest
import torch

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(PYTHON_DIR)
sys.path.insert(0, PYTHON_DIR)

EPOCH_POINT_KEYS = {"epoch", "trainLoss", "trainError", "testLoss", "testError"}
METRIC_KEYS = {"trainLoss", "trainError", "testLoss", "testError"}
LEVEL_KEYS = {"level", "density", "layerDensities", "final", "curve", "diverged"}


def base_spec(arch="mlp-1024-1024", dataset="mnist", train_size=200, pruning=None, **training):
    defaults = {"epochs": 1, "batchSize": 64, "learningRate": 0.05, "momentum": 0.9, "weightDecay": 1e-4, "milestones": [], "gamma": 0.1, "augment": False}
    defaults.update(training)
    return {
        "version": 1,
        "kind": "image",
        "seed": 7,
        "data": {"dataset": dataset, "trainSize": train_size},
        "model": {"arch": arch},
        "pruning": pruning or {"method": "random", "density": 0.5, "distribution": "uniform"},
        "training": defaults,
    }


def run_cli(tmp_path, *args, spec=None, env=None):
    """Runs `python -m prunelab_torch …`; returns (exit code, parsed stdout lines, stderr)."""
    argv = [sys.executable, "-m", "prunelab_torch", *args]
    if spec is not None:
        path = tmp_path / f"spec-{len(list(tmp_path.iterdir()))}.json"
        path.write_text(json.dumps(spec))
        argv += ["--spec", str(path)]
    child_env = {**os.environ, "PYTHONPATH": PYTHON_DIR, **(env or {})}
    done = subprocess.run(argv, cwd=REPO, env=child_env, capture_output=True, text=True, timeout=300)
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    return done.returncode, lines, done.stderr


def write_cifar(directory, records, seed=0, name="data_batch_1.bin"):
    """`records` CIFAR-10 binary records (label byte + 3,072 pixels), labels cycling 0 … 9."""
    g = torch.Generator().manual_seed(seed)
    pixels = torch.randint(0, 256, (records, 3072), generator=g, dtype=torch.uint8)
    labels = (torch.arange(records) % 10).to(torch.uint8).reshape(-1, 1)
    data = bytes(torch.cat([labels, pixels], dim=1).reshape(-1).tolist())
    (directory / name).write_bytes(data)
    return data


@pytest.fixture
def cifar(tmp_path):
    """64 generated CIFAR-format images (48 training, 16 test) in a data folder, and a manifest naming them."""
    data_dir = tmp_path / "data"
    folder = data_dir / "cifar-10-batches-bin"
    folder.mkdir(parents=True)
    write_cifar(folder, 48, seed=1, name="data_batch_1.bin")
    write_cifar(folder, 16, seed=2, name="test_batch.bin")
    manifest = {
        "cifar10": {
            "title": "CIFAR-10",
            "format": "cifar",
            "folder": "cifar-10-batches-bin",
            "files": [
                {"name": "data_batch_1.bin", "role": "train-batch", "bytes": 48 * 3073},
                {"name": "test_batch.bin", "role": "test-batch", "bytes": 16 * 3073},
            ],
        }
    }
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    return {"data_dir": data_dir, "folder": folder, "manifest": path, "manifest_json": manifest}
