"""Command-line flags for models and data, shared by the sub-commands and the window's own
command line (``latent-explorer`` with no sub-command): bundle folders or encoder/decoder
pairs, trust, custom code, value ranges, and the data range of float arrays. Plain argparse,
no Qt: the layer both sit on."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from explorer.core.errors import InvalidParameter
from explorer.core.ranges import parse_range

if TYPE_CHECKING:
    from explorer.core.model.pair import LoadOptions


def value_range(text: str) -> tuple[float, float]:
    """``"-3:3"`` -> ``(-3.0, 3.0)``, as an argparse type."""
    try:
        return parse_range(text)
    except InvalidParameter as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_data_range_argument(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--data-range LO:HI``: the values of float ``.npz``/``.npy`` images, mapped to [0, 1]."""
    parser.add_argument(
        "--data-range",
        type=value_range,
        metavar="LO:HI",
        help="float .npz/.npy data sets: the range of their values, e.g. 0:255 "
        "(default: [0, 1] or [-1, 1], detected)",
    )


def add_model_arguments(parser: argparse.ArgumentParser, name: str = "model") -> None:
    """A bundle folder, or an ``--encoder``/``--decoder`` pair of model files."""
    parser.add_argument(name, nargs="?", help="model bundle folder (or use --encoder/--decoder)")
    parser.add_argument("--encoder", help=f"encoder file ({MODEL_FILES}; bring your own model)")
    parser.add_argument("--decoder", help=f"decoder file ({MODEL_FILES}; bring your own model)")
    add_load_options(parser)


def add_slot_arguments(parser: argparse.ArgumentParser) -> None:
    """Models A and B: bundle folders, or ``--encoder-a/--decoder-a`` (and ``-b``) pairs."""
    for slot in ("a", "b"):
        parser.add_argument(
            f"model_{slot}", nargs="?", help=f"model bundle {slot.upper()} (or a pair, below)"
        )
    for slot in ("a", "b"):
        for part in ("encoder", "decoder"):
            parser.add_argument(
                f"--{part}-{slot}", metavar="FILE", help=f"{part} file of {slot.upper()}"
            )
    add_load_options(parser)


MODEL_FILES = ".keras, .h5, .onnx or a SavedModel folder"


def add_load_options(parser: argparse.ArgumentParser) -> None:
    """How model files are loaded: trust, custom code, value ranges (see ``LoadOptions``)."""
    g = parser.add_argument_group("model files")
    g.add_argument(
        "--trust-model-code",
        action="store_true",
        help="load models that run Python code when loaded (Lambda layers, custom classes); "
        "only for files you trust",
    )
    g.add_argument(
        "--model-code",
        metavar="FILE.py",
        help="Python file that defines the custom classes a model needs (runs it; needs "
        "--trust-model-code)",
    )
    for part, default in (("input", "0:1, or the output range when detected"), ("output", "")):
        g.add_argument(
            f"--{part}-range",
            type=value_range,
            metavar="LO:HI",
            help=f"values the {'encoder takes' if part == 'input' else 'decoder makes'}, e.g. "
            f"0:1, -1:1 or 0:255 (default: "
            f"{default or 'from the last activation, sigmoid 0:1 or tanh -1:1, else 0:1'})",
        )


def load_options(args: argparse.Namespace) -> LoadOptions:
    """The :class:`~explorer.core.model.pair.LoadOptions` of the flags above."""
    from explorer.core.model.pair import LoadOptions

    return LoadOptions(
        trust=bool(getattr(args, "trust_model_code", False)),
        code=getattr(args, "model_code", None),
        input_range=getattr(args, "input_range", None),
        output_range=getattr(args, "output_range", None),
    )
