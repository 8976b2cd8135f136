"""Steps shared by the exploring sub-commands: load a model, encode a data set."""

from __future__ import annotations

import argparse

from explorer.commands.progressbar import ProgressBar


def load(args: argparse.Namespace, attr: str = "model"):
    from explorer.core.store import load_model

    return load_model(
        getattr(args, attr), getattr(args, "encoder", None), getattr(args, "decoder", None)
    )


def encode(model, dataset: str, quiet: bool = False):
    """Encode ``dataset`` with ``model`` (cached), with a terminal progress bar."""
    from explorer.core.datasets import open_dataset
    from explorer.core.latent import encode_dataset
    from explorer.core.progress import TaskState

    ds = open_dataset(dataset, model.input_shape)
    bar = ProgressBar()
    state = TaskState(None if quiet else lambda f, msg: bar.update(f, f"{model.name}: {msg}"))
    enc = encode_dataset(model, ds, state=state)
    if not quiet and bar.tty:
        bar.line(
            f"{model.name}: {len(enc)} images of {ds.name} encoded"
            + (f", {enc.skipped} unreadable skipped" if enc.skipped else "")
        )
    return ds, enc
