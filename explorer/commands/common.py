"""Steps shared by the exploring sub-commands: load a model, encode a data set."""

from __future__ import annotations

import argparse
import sys

from explorer.commands.progressbar import ProgressBar

_SAID: set[str] = set()


def load(args: argparse.Namespace, slot: str = ""):
    """The model the flags name: a bundle or an encoder/decoder pair (``slot`` ``a``/``b``
    for ``compare``'s ``model_a``, ``--encoder-a`` ...), loaded with the flags' options."""
    from explorer.commands.options import load_options
    from explorer.core.errors import ModelLoadError
    from explorer.core.model.store import load_model

    suffix = f"_{slot}" if slot else ""
    spec = getattr(args, f"model{suffix}", None)
    encoder = getattr(args, f"encoder{suffix}", None)
    decoder = getattr(args, f"decoder{suffix}", None)
    if slot and spec is None and encoder is None and decoder is None:
        raise ModelLoadError(
            f"no model {slot.upper()}: give a bundle folder or --encoder-{slot}/--decoder-{slot}"
        )
    if (encoder is None) != (decoder is None):
        flag = suffix.replace("_", "-")
        raise ModelLoadError(
            f"an encoder/decoder pair needs both --encoder{flag} and --decoder{flag}"
        )
    model = load_model(spec, encoder, decoder, load_options(args))
    for note in model.load_notes:
        say_once(note)
    return model


def encode(model, dataset: str, data_range=None, quiet: bool = False):
    """Encode ``dataset`` (values read as ``data_range``, see ``open_dataset``) with ``model``
    (cached), with a terminal progress bar."""
    from explorer.core.data.sources import open_dataset
    from explorer.core.latent.encoding import encode_dataset
    from explorer.core.progress import TaskState

    ds = open_dataset(dataset, model.input_shape, data_range=data_range)
    say_once(ds.value_note)
    bar = ProgressBar()
    state = TaskState(None if quiet else lambda f, msg: bar.update(f, f"{model.name}: {msg}"))
    enc = encode_dataset(model, ds, state=state)
    say_once(enc.note)  # a damaged cache entry encoded again, a cache that cannot be written
    if ds.streamed:  # the files of a folder that could not be read, with the first reason
        from explorer.core.data.pipeline import unreadable_summary

        say_once(unreadable_summary(ds))
    if not quiet and bar.tty:
        bar.line(
            f"{model.name}: {len(enc)} images of {ds.name} encoded"
            + (f", {enc.skipped} unreadable skipped" if enc.skipped else "")
        )
    return ds, enc


def say_once(note: str) -> None:
    """Print a note (a data set's values, the cache) on stderr, once per process (compare
    opens the data set twice)."""
    if note and note not in _SAID:
        _SAID.add(note)
        print(note, file=sys.stderr)
