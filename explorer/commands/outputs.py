"""Checks of ``--out`` shared by every command, made before any model is loaded or any work
starts: a file where a folder is expected, a folder where a file is expected, or a place
where nothing can be created is one line (exit 2), not a traceback after the work."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from explorer.core.errors import InvalidParameter
from explorer.core.util.atomic import unwritable_reason


def output_folder(path: str | os.PathLike) -> Path:
    """``--out`` naming a folder (created if missing); returns it as a path."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise InvalidParameter(f"{out}: is a file, but --out must be a folder here")
    _check_writable(out, out)
    return out


def output_file(
    path: str | os.PathLike,
    suffix: str,
    add_suffix: bool = False,
    companions: Sequence[str] = (),
    hint: str = "",
) -> Path:
    """``--out`` naming one file that ends in ``suffix``; returns the path to write.

    Parameters
    ----------
    path : the ``--out`` value.
    suffix : the one suffix allowed (lower case, with its dot), e.g. ``".npz"``.
    add_suffix : a name without a suffix gets ``suffix`` added instead of being refused.
    companions : suffixes of files written beside it (``OUT.npy`` for a ``.png``), which
        must not be folders either.
    hint : appended to the message for a wrong suffix.
    """
    out = Path(path)
    if out.is_dir():
        raise InvalidParameter(f"{out}: is a folder, but --out must be a {suffix} file{hint}")
    if add_suffix and not out.suffix:
        out = out.with_name(out.name + suffix)
    if out.suffix.lower() != suffix:
        raise InvalidParameter(f"{out}: --out must be a {suffix} file{hint}")
    for other in (out, *(out.with_suffix(s) for s in companions)):
        if other.is_dir():
            raise InvalidParameter(f"{other}: is a folder; it is in the way of the output")
    _check_writable(out.parent, out)
    return out


def _check_writable(folder: Path, out: Path) -> None:
    reason = unwritable_reason(folder)
    if reason is not None:
        raise InvalidParameter(f"{out}: cannot be written: {reason}")
