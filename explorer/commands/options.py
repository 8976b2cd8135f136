"""Argument types shared by the sub-commands."""

from __future__ import annotations

import argparse


def int_list(text: str) -> list[int]:
    """``"32,64,128"`` -> ``[32, 64, 128]``."""
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}"
        ) from exc


def str_list(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def add_model_arguments(parser: argparse.ArgumentParser, name: str = "model") -> None:
    """A bundle folder, or an ``--encoder``/``--decoder`` pair of .keras files."""
    parser.add_argument(name, nargs="?", help="model bundle folder (or use --encoder/--decoder)")
    parser.add_argument("--encoder", help="encoder .keras file (bring your own model)")
    parser.add_argument("--decoder", help="decoder .keras file (bring your own model)")
