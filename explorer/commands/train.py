"""``latent-explorer train``: train an AE or VAE into a model bundle."""

from __future__ import annotations

import argparse

from explorer.commands.options import add_data_range_argument, int_list, str_list
from explorer.commands.outputs import output_folder
from explorer.commands.progressbar import ProgressBar, format_duration


def add_parser(sub) -> None:
    p = sub.add_parser(
        "train",
        help="train an AE or VAE into a model bundle",
        description="Train an AE or VAE and write a model bundle (model.keras + meta.json), "
        "checkpointed after every epoch.",
    )
    p.add_argument("--out", required=True, help="output bundle folder (or the bundle to --resume)")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the bundle in --out for --epochs more epochs",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing bundle in --out")
    p.add_argument("--kind", choices=("ae", "vae"), default="vae")
    p.add_argument("--preset", default="mnist", help="mnist, celeba96 or celeba64 (default mnist)")
    p.add_argument("--kl-weight", type=float, default=1.0, help="weight of the KL loss (VAE)")
    p.add_argument(
        "--eps-clip", type=float, default=5.0, help="clip |eps| of the VAE sampling (default 5)"
    )
    p.add_argument("--reconstruction", choices=("bce", "mse"), default="bce")
    p.add_argument(
        "--dataset",
        default="mnist-5k",
        help="mnist-5k, mnist, fashion-mnist, an image folder, or .npz/.npy",
    )
    p.add_argument(
        "--image-size",
        type=int,
        help="square image size for folder data sets (default: the preset's)",
    )
    add_data_range_argument(p)
    p.add_argument("--max-images", type=int, help="use only this many images (a seeded subset)")
    p.add_argument(
        "--cache-decoded",
        action="store_true",
        help="folder data sets: decode and resize once into a memory-mapped uint8 cache, "
        "so later epochs do not decode JPEGs again",
    )
    p.add_argument("--validation-split", type=float, default=0.1)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--learning-rate", type=float, default=5e-4)
    p.add_argument("--seed", type=int, default=0)
    arch = p.add_argument_group("architecture (defaults from the preset)")
    arch.add_argument("--filters", type=int_list, help="Conv2D filters per layer, e.g. 32,64,128")
    arch.add_argument("--kernel-sizes", type=int_list, help="kernel size per layer (or one value)")
    arch.add_argument("--strides", type=int_list, help="stride per layer (or one value)")
    arch.add_argument("--padding", type=str_list, help="padding per layer (same)")
    arch.add_argument("--activation", choices=("leaky_relu", "relu", "selu"))
    arch.add_argument("--batch-norm", action=argparse.BooleanOptionalAction, default=None)
    arch.add_argument("--dropout", type=float)
    arch.add_argument("--dense-units", type=int, help="extra Dense layer before the latent head(s)")
    arch.add_argument("--z-dim", type=int)


def options_from_args(args: argparse.Namespace) -> dict:
    """The flags as ``TrainConfig`` options (the flag names are its field names)."""
    import dataclasses

    from explorer.core.model.training import TrainConfig

    return {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(TrainConfig)
        if hasattr(args, f.name)
    }


def run(args: argparse.Namespace) -> int:
    from explorer.core.model.training import TrainConfig, train
    from explorer.core.progress import TaskState

    output_folder(args.out)
    config = TrainConfig.from_options(**options_from_args(args))
    config.validate()
    bar = ProgressBar()

    def on_event(e: dict) -> None:
        if e["type"] == "started":
            if e.get("data_note"):
                bar.line(e["data_note"])
            bar.line(
                f"training {e['kind'].upper()} into {e['bundle']} on {e['device']}: "
                f"{e['n_train']} train / {e['n_val']} validation images, "
                f"epochs {e['initial_epoch'] + 1}..{e['epochs']}"
            )
        elif e["type"] == "batch":
            logs = e["logs"]
            bar.update(
                (e["epoch"] * e["steps"] + e["batch"] + 1) / (e["steps"] * e["epochs"]),
                f"epoch {e['epoch'] + 1}/{e['epochs']} batch {e['batch'] + 1}/{e['steps']} "
                f"loss {logs.get('total_loss', 0):.2f} {e['images_per_s']:.0f} img/s "
                f"ETA {format_duration(e['eta_s'])}",
            )
        elif e["type"] == "epoch":
            r = e["row"]
            val = f" | val {r['val_total_loss']:.2f}" if "val_total_loss" in r else ""
            bar.line(
                f"epoch {r['epoch']:3d}: total {r['total_loss']:.2f} reco {r['reco_loss']:.2f} "
                f"kl {r['kl_loss']:.2f}{val} ({r['seconds']:.1f} s)"
            )

    result = train(config, TaskState(), on_event)
    bar.line(f"{result.status}: {result.epochs_done} epochs in {result.bundle}")
    return 0
