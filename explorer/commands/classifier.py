"""``latent-explorer classifier``: train the image classifier that judges decoded samples."""

from __future__ import annotations

import argparse
import time

from explorer.commands.options import add_data_range_argument
from explorer.commands.outputs import output_folder
from explorer.commands.progressbar import ProgressBar
from explorer.core.data.builtin import DEFAULT_DATASET
from explorer.core.errors import InvalidParameter
from explorer.core.util.clock import format_duration


def add_parser(sub) -> None:
    p = sub.add_parser(
        "classifier",
        help="train the image classifier that judges decoded samples",
        description="Train a small CNN classifier on a labelled data set and write a classifier "
        "bundle (model.keras + meta.json); prints its held-out accuracy.",
    )
    p.add_argument(
        "--dataset", default=DEFAULT_DATASET, help=f"labelled data set (default {DEFAULT_DATASET})"
    )
    add_data_range_argument(p)
    p.add_argument(
        "--epochs",
        type=int,
        default=20,
        help="at most this many epochs (default 20; "
        "stops early when the held-out loss stops improving)",
    )
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument(
        "--validation-split",
        type=float,
        default=0.1,
        help="held-out share (default 0.1, the autoencoders' split with seed 0)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="output classifier bundle folder")
    p.add_argument("--overwrite", action="store_true", help="replace an existing bundle in --out")


def run(args: argparse.Namespace) -> int:
    from explorer.core.data.sources import open_dataset
    from explorer.core.model.classifier import CLASSIFIER_FILE, META_FILE, train_classifier
    from explorer.core.progress import TaskState

    out = output_folder(args.out)
    if args.epochs < 1:
        raise InvalidParameter(f"--epochs must be >= 1, got {args.epochs}")
    if args.batch_size < 1:
        raise InvalidParameter(f"--batch-size must be >= 1, got {args.batch_size}")
    if not 0.0 <= args.validation_split < 1.0:
        raise InvalidParameter(f"--validation-split must be in [0, 1), got {args.validation_split}")
    existing = [n for n in (CLASSIFIER_FILE, META_FILE) if (out / n).exists()]
    if existing and not args.overwrite:
        raise InvalidParameter(f"{out}: a bundle is already there; use --overwrite to replace it")
    ds = open_dataset(args.dataset, data_range=args.data_range)
    if ds.value_note:
        print(ds.value_note)
    bar = ProgressBar()
    start = time.monotonic()
    state = TaskState(lambda f, msg: bar.update(f, msg))
    clf = train_classifier(
        ds,
        out=out,
        epochs=args.epochs,
        batch_size=args.batch_size,
        validation_split=args.validation_split,
        seed=args.seed,
        state=state,
    )
    held = clf.meta.get("held_out", {})
    n_val = clf.meta["split"]["n_val"]
    epochs = clf.meta["training"]["epochs_done"]
    if held:
        name = "mean attribute accuracy" if clf.multilabel else "accuracy"
        key = "mean_attribute_accuracy" if clf.multilabel else "accuracy"
        score = f"held-out {name} {held[key]:.4f} on {n_val} images"
    else:
        score = "no held-out images (--validation-split 0)"
    if bar.tty:
        bar.line(f"trained in {format_duration(time.monotonic() - start)}")
    print(f"{out}: {len(clf.classes)} classes, {epochs} epochs, {score}")
    return 0
