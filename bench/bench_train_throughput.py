"""Benchmark: training throughput of the accelerator settings, as ratios to the plain run.

The ``celeba64`` and ``celeba96`` VAEs train on synthetic uint8 images (a ``.npy`` file of
random faces-sized noise) through the real ``explorer.core.training.training.train`` path, with
each setting added to the one before:

* **plain**: float32, no XLA, 1 step per execution, images streamed by ``tf.data``;
* **+steps per execution** (``--steps-per-execution``, 32 unless ``--spe``);
* **+XLA** (``--jit-compile``);
* **+mixed precision** (``--mixed-precision``: ``mixed_bfloat16``, or ``mixed_float16`` on
  GPUs without bfloat16);
* **+data on device** (``--cache-on-device``).

Throughput is training images per second of the epochs after the first two (the first
traces and compiles; with XLA the second compiles again, after the first checkpoint),
median over them, at batch sizes 128 and 512. The same script runs unchanged
on a GPU machine (TensorFlow picks the device; the first line says which). ``--quick``: a
small stand-in model, tiny batches, seconds (``make test``).

Usage: ``python bench/bench_train_throughput.py [--quick] [--presets celeba64,celeba96]
[--batch-sizes 128,512] [--epochs E] [--warmup W] [--steps S] [--spe N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

try:
    import explorer  # noqa: F401
except ImportError:  # run from a checkout without installing the package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

LADDER = [
    ("plain", {}),
    ("+steps per execution", {"steps_per_execution": None}),  # None: filled with --spe
    ("+XLA", {"jit_compile": True}),
    ("+mixed precision", {"mixed_precision": True}),
    ("+data on device", {"cache_on_device": True}),
]
SIZES = {"celeba64": 64, "celeba96": 96}


def synthetic(folder: Path, n: int, size: int) -> str:
    """``n`` random uint8 images (size x size x 3) saved as a ``.npy`` data set."""
    path = folder / f"faces_{size}_{n}.npy"
    if not path.exists():
        rng = np.random.default_rng(0)
        np.save(path, rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8))
    return str(path)


def throughput(options: dict, warmup: int) -> tuple[float, str]:
    """Median images/s of the epochs after ``warmup``, and the device line."""
    from explorer.core.training.training import TrainConfig, train

    seen: dict = {}

    def on_event(e: dict) -> None:
        if e["type"] == "started":
            seen["device"] = e["device"]
            seen["n"] = e["n_train"]
        elif e["type"] == "epoch":
            seen.setdefault("seconds", []).append(e["row"]["seconds"])

    train(TrainConfig.from_options(**options), on_event=on_event)
    later = seen["seconds"][warmup:] or seen["seconds"][-1:]
    return seen["n"] / statistics.median(later), seen["device"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny model and batches (seconds)")
    parser.add_argument("--presets", default="celeba64,celeba96")
    parser.add_argument("--batch-sizes", default="128,512")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=2, help="first epochs not counted")
    parser.add_argument("--steps", type=int, default=8, help="batches per epoch")
    parser.add_argument("--spe", type=int, default=32, help="steps per execution of the ladder")
    args = parser.parse_args(argv)
    presets = args.presets.split(",")
    batches = [int(b) for b in args.batch_sizes.split(",")]
    arch: dict = {}
    if args.quick:
        presets, batches, args.epochs, args.steps, args.spe = ["celeba64"], [16], 3, 4, 2
        arch = {"filters": [8, 16], "strides": [2, 2], "z_dim": 16, "image_size": 32}

    from explorer.core.runtime.tf_setup import device_description, mixed_policy_name

    print(f"device: {device_description()} (mixed precision here: {mixed_policy_name()})")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name in presets:
            size = arch.get("image_size", SIZES[name])
            for batch in batches:
                data = synthetic(tmp, batch * args.steps, size)
                plain = None
                print(f"{name} VAE, batch {batch}, {args.steps} batches per epoch:")
                settings: dict = {}
                for label, extra in LADDER:
                    settings.update({k: (args.spe if v is None else v) for k, v in extra.items()})
                    options = {
                        "kind": "vae", "preset": name, "dataset": data, "batch_size": batch,
                        "epochs": args.epochs, "validation_split": 0.0, "seed": 0,
                        "out": str(tmp / "bundle"), "overwrite": True, **arch, **settings,
                    }  # fmt: skip
                    ips, device = throughput(options, args.warmup)
                    plain = plain or ips
                    print(
                        f"  {name} batch {batch:<4d} {label:<22s} {ips:9.1f} images/s   "
                        f"ratio to plain {ips / plain:5.2f}   [{device}]",
                        flush=True,
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
