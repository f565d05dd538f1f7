"""The image kind's trainer on PyTorch: a random mask or an IMP trajectory, as
src/engine/image/train-image.ts trains the MLP (docs/decisions/013-image-kind.md).

Randomness, all from the spec's seed through torch.Generators on the CPU (`generator`): initial
weights (`init`), the random mask of prunable layer l (`mask`, l), each epoch's shuffle and its
augmentation draws (`shuffle` and `augment`, level, epoch). So a level replays identically whenever
it is trained, which resuming an IMP job relies on. The streams differ from the TypeScript
trainer's: the two trainers' numbers agree statistically, not bit for bit.

Training: SGD with PyTorch's semantics (momentum buffer b = m·b + g + wd·w, w −= lr·b), the
learning rate of epoch e (from 1) lr · gamma^(milestones below e): MultiStepLR stepped once per
epoch. Each epoch is a permutation of the training subset (the first `trainSize` images in file
order) in batches of `batchSize`, the last partial batch kept. Pruned weights stay exactly zero: a
prunable layer's gradient is multiplied by its mask before the step (weight decay adds wd·w = 0,
the buffer of a zero gradient stays zero), and the weight by its mask after it.

Evaluation before training and after every epoch, batch norm in eval mode, in batches of 1,000:
the loss and 0-1 error on the training subset (no augmentation) and on the whole test set. A
non-finite training loss or parameter at an evaluation stops the level as diverged (an IMP job
trains no further level).

Determinism: the same spec gives the same numbers on the same device, PyTorch build and thread
count. On a GPU, cuDNN is asked for deterministic algorithms (benchmark off, deterministic on,
`use_deterministic_algorithms(True, warn_only=True)`, cuBLAS workspace `:4096:8`), and the model
avoids the ops PyTorch documents as nondeterministic on CUDA (the loss is a one-hot product, not
nll_loss; ResNet's pooling is a mean). What stays: results differ across GPU models, drivers and
CUDA/cuDNN versions (other kernels, other summation orders), and an op PyTorch flags as
nondeterministic is named in a warning on stderr rather than refused.
"""

import hashlib
import math
import os

import torch
import torch.nn.functional as F

from . import pruning
from .data import DATASETS, augment as augment_batch, normalizer
from .models import MLP_HIDDEN, build_model, initialize, prunable_layers

EVAL_BATCH = 1000
ARCH_DATASETS = {"mlp-1024-1024": "mnist", "vgg16": "cifar10", "resnet20": "cifar10", "resnet20-128": "cifar10"}


class TrainError(Exception):
    """A spec or partial result this trainer refuses (validation_failed)."""


def generator(seed, purpose, *index):
    """A CPU torch.Generator for one purpose of one seed: seeded by the first 63 bits of
    SHA-256 of `prunelab/<seed>/<purpose>/<index>…`, so streams never share a seed."""
    key = "/".join(["prunelab", str(seed), purpose, *map(str, index)]).encode()
    g = torch.Generator()
    g.manual_seed(int.from_bytes(hashlib.sha256(key).digest()[:8], "little") & (2**63 - 1))
    return g


def configure_torch():
    """Threads from PRUNELAB_THREADS, deterministic settings; returns the device."""
    threads = os.environ.get("PRUNELAB_THREADS")
    if threads:
        torch.set_num_threads(int(threads))
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(True, warn_only=True)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def device_name(device):
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"


def engine_info(device):
    return {
        "backend": "torch",
        "trainer": "torch",
        "threads": torch.get_num_threads(),
        "device": device_name(device),
        "torch": torch.__version__,
        "cuda": torch.version.cuda if device.type == "cuda" else None,
    }


def finite_or_none(value):
    return value if math.isfinite(value) else None


def cross_entropy(logits, labels, reduction="mean"):
    """Softmax cross-entropy as a one-hot product (deterministic on CUDA, unlike nll_loss)."""
    losses = -(F.log_softmax(logits, dim=1) * F.one_hot(labels, logits.shape[1]).to(logits.dtype)).sum(dim=1)
    return losses.mean() if reduction == "mean" else losses.sum()


def check_spec(spec):
    if not isinstance(spec, dict) or spec.get("kind") != "image":
        raise TrainError("the spec is not a resolved image spec")
    try:
        arch = spec["model"]["arch"]
        dataset = spec["data"]["dataset"]
        train_size = spec["data"]["trainSize"]
        training = spec["training"]
        for field in ("epochs", "batchSize", "learningRate", "momentum", "weightDecay", "milestones", "gamma", "augment"):
            training[field]
        method = spec["pruning"]["method"]
        seed = spec["seed"]
    except (KeyError, TypeError) as error:
        raise TrainError(f"the spec is not fully resolved: it lacks {error}")
    if arch not in ARCH_DATASETS:
        raise TrainError(f"the torch trainer does not train {arch}")
    if ARCH_DATASETS[arch] != dataset:
        raise TrainError(f"{arch} is defined for {ARCH_DATASETS[arch]}, not {dataset}")
    if not isinstance(seed, int) or seed < 0:
        raise TrainError("the seed is a non-negative integer")
    if not isinstance(train_size, int) or train_size < 1:
        raise TrainError("trainSize is a positive integer")
    if method not in ("random", "imp"):
        raise TrainError(f"unknown pruning method {method}")


class Trainer:
    """Trains one spec on one data set and device; `emit` receives protocol lines (dicts)."""

    def __init__(self, spec, data, device, emit=lambda line: None, hidden=None):
        check_spec(spec)
        self.spec = spec
        self.device = device
        self.emit = emit
        self.training = spec["training"]
        arch = spec["model"]["arch"]
        if data.dataset != spec["data"]["dataset"]:
            raise TrainError(f"the spec trains on {spec['data']['dataset']}, the data given is {data.dataset}")
        self.train_size = spec["data"]["trainSize"]
        if self.train_size > data.train_labels.numel():
            raise TrainError(f"the spec trains on {self.train_size} images, the data has {data.train_labels.numel()}")
        self.data = data
        self.train_images = data.train_images[: self.train_size].to(device)
        self.train_labels = data.train_labels[: self.train_size].to(device).long()
        self.test_images = data.test_images.to(device)
        self.test_labels = data.test_labels.to(device).long()
        self.mean, self.std = normalizer(data.dataset, device)
        self.augment = bool(self.training["augment"]) and data.dataset == "cifar10"
        self.model = build_model(arch, hidden=hidden if arch in MLP_HIDDEN else None)
        self.layers = prunable_layers(self.model)
        self.names = [name for name, _ in self.layers]
        self.shapes = [tuple(weight.shape) for _, weight in self.layers]
        pruning_spec = spec["pruning"]
        self.last_level = pruning_spec["levels"] if pruning_spec["method"] == "imp" else 0
        initialize(self.model, generator(spec["seed"], "init"))
        self.model.to(device)
        self.init_state = self.snapshot()

    # --- state -------------------------------------------------------------------------------

    def snapshot(self):
        """Every parameter and buffer (batch-norm statistics included), cloned."""
        return {key: value.detach().clone() for key, value in self.model.state_dict().items()}

    def prunable_weights(self, state):
        return [state[f"{name}.weight"].reshape(-1) for name in self.names]

    def normalize(self, images):
        return (images.float() / 255.0 - self.mean) / self.std

    # --- evaluation --------------------------------------------------------------------------

    @torch.no_grad()
    def evaluate(self, images, labels):
        self.model.eval()
        loss_sum = 0.0
        errors = 0
        count = labels.numel()
        for start in range(0, count, EVAL_BATCH):
            logits = self.model(self.normalize(images[start : start + EVAL_BATCH]))
            target = labels[start : start + EVAL_BATCH]
            loss_sum += float(cross_entropy(logits, target, reduction="sum"))
            errors += int((logits.argmax(dim=1) != target).sum())
        return loss_sum / count, errors / count

    def parameters_finite(self):
        return all(bool(torch.isfinite(p).all()) for p in self.model.parameters())

    # --- one level -----------------------------------------------------------------------------

    def train_level(self, level, start, masks, evaluate=True, stop_after=None, capture_at=None):
        """Trains from `start` under `masks` (flat uint8 per prunable layer; None: dense) for the
        spec's epochs, or only its first `stop_after` steps. Returns curve, diverged, the final
        state and the state after `capture_at` steps (the final one if the level is shorter)."""
        t = self.training
        spec = self.spec
        self.model.load_state_dict(start)
        weights = [weight for _, weight in self.layers]
        mask_tensors = None
        if masks is not None:
            mask_tensors = [m.to(self.device, torch.float32).reshape(w.shape) for m, w in zip(masks, weights)]
            with torch.no_grad():
                for w, m in zip(weights, mask_tensors):
                    w.mul_(m)
        optimizer = torch.optim.SGD(self.model.parameters(), lr=t["learningRate"], momentum=t["momentum"], weight_decay=t["weightDecay"])
        curve = []
        diverged = False
        captured = None
        steps = 0

        def point(epoch):
            nonlocal diverged
            train_loss, train_error = self.evaluate(self.train_images, self.train_labels)
            test_loss, test_error = self.evaluate(self.test_images, self.test_labels)
            train_loss = finite_or_none(train_loss)
            diverged = train_loss is None or not self.parameters_finite()
            test_loss = finite_or_none(test_loss)
            curve.append({
                "epoch": epoch,
                "trainLoss": train_loss,
                "trainError": None if diverged else train_error,
                "testLoss": test_loss,
                "testError": None if test_loss is None else test_error,
            })
            self.emit({"type": "progress", "epoch": epoch, "epochs": t["epochs"], "level": level, "levels": self.last_level, "loss": train_loss})

        if evaluate:
            point(0)
        stopped = False
        for epoch in range(1, t["epochs"] + 1):
            if diverged or stopped:
                break
            lr = t["learningRate"] * t["gamma"] ** sum(1 for milestone in t["milestones"] if milestone < epoch)
            for group in optimizer.param_groups:
                group["lr"] = lr
            order = torch.randperm(self.train_size, generator=generator(spec["seed"], "shuffle", level, epoch)).to(self.device)
            flips = generator(spec["seed"], "augment", level, epoch) if self.augment else None
            self.model.train()
            for first in range(0, self.train_size, t["batchSize"]):
                index = order[first : first + t["batchSize"]]
                images = self.train_images[index]
                if flips is not None:
                    images = augment_batch(images, flips)
                optimizer.zero_grad(set_to_none=True)
                loss = cross_entropy(self.model(self.normalize(images)), self.train_labels[index])
                loss.backward()
                if mask_tensors is not None:
                    for w, m in zip(weights, mask_tensors):
                        w.grad.mul_(m)
                optimizer.step()
                if mask_tensors is not None:
                    with torch.no_grad():
                        for w, m in zip(weights, mask_tensors):
                            w.mul_(m)
                steps += 1
                if steps == capture_at:
                    captured = self.snapshot()
                if steps == stop_after:
                    stopped = True
                    break
            if evaluate and not stopped:
                point(epoch)
        final = self.snapshot()
        return {"curve": curve, "diverged": diverged, "final": final, "captured": None if capture_at is None else (captured or final)}

    # --- a job -------------------------------------------------------------------------------

    def to_level(self, level, masks, run):
        density, layer_densities = pruning.realized_densities(self.names, self.shapes, masks)
        return {"level": level, "density": density, "layerDensities": layer_densities, "final": final_of(run["curve"]), "curve": run["curve"], "diverged": run["diverged"]}

    def read_checkpoint(self, partial, schedule):
        def refuse(message):
            raise TrainError(f"cannot resume from this partial result: {message}")

        if self.spec["pruning"]["method"] != "imp":
            refuse("only IMP jobs have partial results")
        try:
            checkpoint = partial["checkpoint"]
            levels = partial["levels"]
            at = checkpoint["level"]
            packed_masks = checkpoint["masks"]
        except (KeyError, TypeError):
            refuse("it is not a partial result")
        if at >= self.last_level:
            refuse(f"its checkpoint is for level {at + 1}, the spec's last level is {self.last_level}")
        if len(levels) != at + 1 or any(entry.get("level") != i for i, entry in enumerate(levels)):
            refuse(f"it must hold levels 0 … {at}")
        if len(packed_masks) != len(self.names):
            refuse(f"it has {len(packed_masks)} masks for {len(self.names)} prunable layers")
        masks = []
        for l, (packed, name, shape) in enumerate(zip(packed_masks, self.names, self.shapes)):
            weights = pruning.layer_size(shape)
            if packed.get("layer") != name or packed.get("weights") != weights:
                refuse(f"mask {l} is {packed.get('layer')} with {packed.get('weights')} weights, not {name} with {weights}")
            try:
                masks.append(pruning.unpack_mask(packed.get("bits"), weights))
            except pruning.MaskError as error:
                refuse(str(error))
        kept = sum(pruning.kept_count(m) for m in masks)
        if kept != schedule[at + 1]:
            refuse(f"its mask keeps {kept} weights, level {at + 1} keeps {schedule[at + 1]}")
        return list(levels), masks, at + 1

    def run(self, resume=None):
        spec = self.spec
        p = spec["pruning"]
        dataset = {"name": self.data.dataset, "sha256": self.data.sha256}
        if p["method"] == "random":
            if resume is not None:
                raise TrainError("cannot resume from a partial result: only IMP jobs have them")
            masks = pruning.random_pruning_masks(self.shapes, p["density"], p.get("distribution", "uniform"), lambda l: generator(spec["seed"], "mask", l))
            run = self.train_level(0, self.init_state, masks)
            density, layer_densities = pruning.realized_densities(self.names, self.shapes, masks)
            return {"final": final_of(run["curve"]), "curve": run["curve"], "density": density, "layerDensities": layer_densities, "diverged": run["diverged"], "dataset": dataset}

        total = sum(pruning.layer_size(shape) for shape in self.shapes)
        schedule = pruning.imp_kept_schedule(total, p["rate"], p["levels"])
        rewind_step = p["rewindStep"]
        levels = []
        masks = pruning.dense_masks(self.shapes)
        first = 0
        rewind = self.init_state
        if resume is not None:
            levels, masks, first = self.read_checkpoint(resume, schedule)
            # the rewind point is re-derived: the initialization, or level 0's first rewindStep steps again
            if rewind_step > 0:
                rewind = self.train_level(0, self.init_state, None, evaluate=False, stop_after=rewind_step, capture_at=rewind_step)["captured"]
        for level in range(first, p["levels"] + 1):
            capture = rewind_step if level == 0 and rewind_step > 0 else None
            run = self.train_level(level, self.init_state if level == 0 else rewind, None if level == 0 else masks, capture_at=capture)
            if level == 0 and capture is not None:
                rewind = run["captured"]
            levels.append(self.to_level(level, masks, run))
            if run["diverged"] or level == p["levels"]:
                break
            masks = pruning.global_magnitude_prune(self.prunable_weights(run["final"]), masks, p["rate"])
            self.emit({
                "type": "partial",
                "partial": {
                    "levels": list(levels),
                    "checkpoint": {"level": level, "masks": [{"layer": name, "weights": m.numel(), "bits": pruning.pack_mask(m)} for name, m in zip(self.names, masks)]},
                },
            })
        last = levels[-1]
        return {
            "final": last["final"],
            "curve": last["curve"],
            "density": last["density"],
            "layerDensities": last["layerDensities"],
            # every IMP result lists its levels, even when level 0 diverged and is the only one
            "levels": levels,
            "diverged": last["diverged"],
            "dataset": dataset,
        }


def final_of(curve):
    last = curve[-1]
    return {key: last[key] for key in ("trainLoss", "trainError", "testLoss", "testError")}
