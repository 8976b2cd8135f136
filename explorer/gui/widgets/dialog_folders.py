"""Where file dialogs open: the folder the user chose last time, else the home folder.

A dialog given no folder opens in the program's working directory, which for a user is an
arbitrary place (the checkout, ``/``). Every dialog of the window asks :func:`start` for its
starting path (the last folder chosen in any dialog, kept in the settings; the home folder
the first time) and tells :func:`chosen` what the user picked.
"""

from __future__ import annotations

from pathlib import Path

from explorer.gui.widgets.settings import open_settings

KEY = "dialogs/folder"


def start(name: str = "") -> str:
    """The path a dialog starts at: the last folder chosen (if it still exists) or the
    home folder, joined with ``name`` (a suggested file name) when given."""
    last = open_settings().value(KEY)
    folder = Path(last) if isinstance(last, str) and Path(last).is_dir() else Path.home()
    return str(folder / name) if name else str(folder)


def chosen(path: str) -> str:
    """Remember the folder of ``path`` (a file or a folder the user picked; empty when the
    dialog was cancelled: nothing is remembered); returns ``path``."""
    if path:
        p = Path(path)
        folder = p if p.is_dir() else p.parent
        settings = open_settings()
        settings.setValue(KEY, str(folder))
        settings.sync()
    return path
