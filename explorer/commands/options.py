"""Argument types shared by the sub-commands (the model and data flags they share with the
window's own command line live in :mod:`explorer.core.model.load_flags`)."""

from __future__ import annotations

import argparse
from typing import Any

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
from explorer.core.params import Param


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


def param_type(p: Param):
    """The argparse ``type`` of a declared parameter: reads its form with
    :meth:`Param.read`; an unreadable value is argparse's one-line message."""

    def read(text: str):
        try:
            return p.read(text)
        except InvalidParameter as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    read.__name__ = p.form  # argparse names the type in some messages
    return read


_DECLARED = object()


def add_flag(
    group,
    p: Param,
    *,
    default: Any = _DECLARED,
    help: str | None = None,
    flag: str | None = None,
    dest: str | None = None,
    restrict: bool = True,
) -> None:
    """The flag of a declared parameter (:class:`~explorer.core.params.Param`), the one
    flag generator of the sub-commands: a switch for a ``bool`` (``--x`` / ``--no-x`` when
    it may be given off), argparse's choices for a strict ``choice`` (unless ``restrict`` is
    off: the core's check then names them in its own line), else the declaration's reader.
    ``default``: the declaration's unless given (``None``: "not given", for flags whose
    absence means "the sampler's default"); ``help``: the declaration's unless given."""
    value = p.default if default is _DECLARED else default
    kw: dict[str, Any] = {"dest": dest or p.key, "default": value, "help": help or p.help or None}
    if p.kind == "bool":
        kw["action"] = "store_true" if value is False else argparse.BooleanOptionalAction
    elif p.form == "choice" and p.strict and restrict:
        kw["choices"] = p.choices
    else:
        kw["type"] = param_type(p)
    if p.metavar:
        kw["metavar"] = p.metavar
    group.add_argument(flag or p.flag, **kw)
