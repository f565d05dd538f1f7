"""`python3 -m prunelab_torch capabilities|train …`: the runner's PyTorch child (python/README.md).

stdout carries only JSON lines (the protocol); logs and warnings go to stderr.
"""

import argparse
import json
import sys
import traceback

from . import ARCHS


def write(line):
    sys.stdout.write(json.dumps(line, allow_nan=False, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def fail(code, message, retryable):
    write({"type": "error", "code": code, "message": message[:4000], "retryable": retryable})
    return 1


def capabilities(args):
    import torch

    from .data import available_datasets, load_manifest
    from .train import configure_torch, device_name

    device = configure_torch()
    write({
        "archs": list(ARCHS),
        "datasets": available_datasets(args.data_dir, load_manifest(args.manifest)),
        "torch": torch.__version__,
        "device": device_name(device),
        "cuda": torch.version.cuda if device.type == "cuda" else None,
    })
    return 0


def read_json(path, what):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read the {what} {path}: {error}")


def train(args):
    from .data import DataError, load_image_data, load_manifest
    from .train import Trainer, TrainError, check_spec, configure_torch, engine_info

    try:
        spec = read_json(args.spec, "spec")
        resume = read_json(args.resume, "partial result") if args.resume else None
        check_spec(spec)
    except (ValueError, TrainError) as error:
        return fail("validation_failed", str(error), False)
    try:
        device = configure_torch()
        print(f"prunelab_torch: training {spec['model']['arch']} on {spec['data']['dataset']} on {device}", file=sys.stderr)
        data = load_image_data(spec["data"]["dataset"], args.data_dir, load_manifest(args.manifest))
        trainer = Trainer(spec, data, device, emit=write)
        result = trainer.run(resume)
    except DataError as error:
        return fail(error.code, error.message, True)
    except TrainError as error:
        return fail("validation_failed", str(error), False)
    except Exception as error:  # anything else is the trainer's failure; another attempt may succeed
        traceback.print_exc(file=sys.stderr)
        return fail("training_failed", f"the torch trainer failed: {type(error).__name__}: {error}", True)
    write({"type": "result", "result": result, "engine": engine_info(device)})
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m prunelab_torch", description="prunelab's PyTorch trainer (python/README.md)")
    commands = parser.add_subparsers(dest="command", required=True)
    caps = commands.add_parser("capabilities", help="print what this machine can train, as one JSON line")
    caps.add_argument("--data-dir")
    caps.add_argument("--manifest", help="a JSON data manifest replacing the published one's data sets (tests)")
    run = commands.add_parser("train", help="train a fully resolved image spec, writing JSON lines")
    run.add_argument("--spec", required=True)
    run.add_argument("--data-dir")
    run.add_argument("--resume", help="a partial result (JSON) to continue an IMP job from")
    run.add_argument("--manifest", help="a JSON data manifest replacing the published one's data sets (tests)")
    args = parser.parse_args(argv)
    return capabilities(args) if args.command == "capabilities" else train(args)


if __name__ == "__main__":
    sys.exit(main())
