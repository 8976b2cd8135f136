"""Argument types shared by the sub-commands (the model and data flags they share with the
window's own command line live in :mod:`explorer.core.model.load_flags`)."""

from __future__ import annotations

import argparse

from explorer.core.errors import InvalidParameter
from explorer.core.model.load_flags import (  # noqa: F401 - the commands' flags, here too
    MODEL_FILES,
    add_data_range_argument,
    add_load_options,
    add_model_arguments,
    add_slot_arguments,
    load_options,
    value_range,
)


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


def param_type(p):
    """The argparse ``type`` of a declared parameter (:class:`~explorer.core.latent.params.Param`):
    reads its form; an unreadable value is argparse's one-line message."""

    def read(text: str):
        try:
            return p.read(text)
        except InvalidParameter as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return read
