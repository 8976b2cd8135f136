"""``latent-explorer train``: train an AE or VAE into a model bundle."""

from __future__ import annotations

import argparse
import dataclasses

from explorer.commands.outputs import output_folder
from explorer.commands.progressbar import ProgressBar
from explorer.core.errors import InvalidParameter
from explorer.core.model.train_options import OPTIONS, Option, TrainConfig
from explorer.core.util.clock import format_duration


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
    # every training option, from its declaration (explorer.core.model.train_options)
    for o in OPTIONS:
        if not o.architecture:
            p.add_argument(o.flag, dest=o.name, **_argument(o))
    arch = p.add_argument_group("architecture (defaults from the preset)")
    for o in OPTIONS:
        if o.architecture:
            arch.add_argument(o.flag, dest=o.name, **_argument(o))


def _argument(o: Option) -> dict:
    """``add_argument`` keywords of an option: its type, choices, default and help."""
    kw: dict = {"default": o.default, "help": o.help or None}
    if o.kind == "bool":
        kw["action"] = "store_true" if o.default is False else argparse.BooleanOptionalAction
        return kw
    if o.kind == "choice" and o.strict:
        kw["choices"] = o.choices
    elif o.kind in ("int", "float"):
        kw["type"] = int if o.kind == "int" else float
    elif o.kind in ("ints", "strs", "range"):
        kw["type"] = _parser(o)
    if o.metavar:
        kw["metavar"] = o.metavar
    return kw


def _parser(o: Option):
    """The option's own text parser as an argparse type (its message on a bad value)."""

    def parse(text: str):
        try:
            return o.parse(text)
        except InvalidParameter as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = o.kind
    return parse


def options_from_args(args: argparse.Namespace) -> dict:
    """The flags as ``TrainConfig`` options (the flags' destinations are its field names)."""
    return {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(TrainConfig)
        if hasattr(args, f.name)
    }


def run(args: argparse.Namespace) -> int:
    from explorer.core.model.training import train
    from explorer.core.progress import TaskState

    output_folder(args.out)
    config = TrainConfig.from_options(**options_from_args(args))
    config.validate()
    bar = ProgressBar()

    def on_event(e: dict) -> None:
        if e["type"] == "started":
            if e.get("data_note"):
                bar.line(e["data_note"])
            for note in e.get("notes", []):
                bar.line(note)
            if e.get("tensorboard"):
                from explorer.core.model.training_tensorboard import tensorboard_command

                bar.line(
                    f"TensorBoard event files in {e['tensorboard']}: {tensorboard_command(e['tensorboard'])}"
                )
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
