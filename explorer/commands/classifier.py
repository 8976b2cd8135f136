"""``latent-explorer classifier``: train the image classifier that judges decoded samples."""

from __future__ import annotations

import argparse
import time

from explorer.commands.options import add_data_range_argument, add_flag
from explorer.commands.outputs import output_folder
from explorer.commands.progressbar import ProgressBar
from explorer.core.data.builtin import DEFAULT_DATASET
from explorer.core.errors import InvalidParameter
from explorer.core.params import Param
from explorer.core.util.clock import format_duration

OPTIONS = (
    Param(
        "epochs", "int", 20, "at most this many epochs (default 20; stops early when the "
        "held-out loss stops improving)", low=1,
    ),
    Param("batch_size", "int", 128, "images per step (default 128)", low=1),
    Param(
        "validation_split", "float", 0.1, "held-out share (default 0.1, the autoencoders' "
        "split with seed 0)", low=0, high=1, high_open=True,
    ),
    Param("seed", "int", 0, "seed of the split, the shuffling and the weights (default 0)"),
)  # fmt: skip
"""The classifier's training options, declared once (flag, check)."""


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
    for q in OPTIONS:
        add_flag(p, q)
    p.add_argument("--out", required=True, help="output classifier bundle folder")
    p.add_argument("--overwrite", action="store_true", help="replace an existing bundle in --out")


def run(args: argparse.Namespace) -> int:
    from explorer.core.data.sources import open_dataset
    from explorer.core.model.classifier import (
        CLASSIFIER_FILE,
        META_FILE,
        save_classifier,
        train_classifier,
    )
    from explorer.core.progress import TaskState
    from explorer.core.util import atomic

    out = output_folder(args.out)
    for q in OPTIONS:
        q.check(getattr(args, q.name), what=q.flag)
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
        out=None,
        epochs=args.epochs,
        batch_size=args.batch_size,
        validation_split=args.validation_split,
        seed=args.seed,
        state=state,
    )
    with atomic.output_set(out, (CLASSIFIER_FILE, META_FILE)) as stage:  # both, or neither
        save_classifier(stage, clf)
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
