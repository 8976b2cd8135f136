"""A debug guard: matplotlib is touched only by the plot renderer's thread.

matplotlib is not thread-safe (its text layout caches, font manager and transforms are
shared), so in the window every figure is built, drawn and saved on the renderer's thread
(:mod:`explorer.gui.plots.plot_renderer`). With ``LATENT_EXPLORER_MPL_GUARD=1`` (the tests set
it) the entry points that make, lay out, draw or save a figure raise :class:`WrongThread`
when they are called from another thread while a renderer thread runs. Without a running
renderer (the command line, a script) nothing is checked.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from typing import Any

ENV = "LATENT_EXPLORER_MPL_GUARD"
_owners: set[int] = set()
_lock = threading.Lock()
_installed = False


class WrongThread(RuntimeError):
    """matplotlib was used off the renderer thread."""


def enabled() -> bool:
    return os.environ.get(ENV) == "1"


def enter() -> None:
    """This thread is a renderer: matplotlib is its own from now on (and the guard is
    installed, when enabled)."""
    if enabled():
        install()
    with _lock:
        _owners.add(threading.get_ident())


def leave() -> None:
    with _lock:
        _owners.discard(threading.get_ident())


def check(what: str) -> None:
    """Raise :class:`WrongThread` when a renderer runs and this thread is not one."""
    owners = _owners
    if owners and threading.get_ident() not in owners:
        raise WrongThread(
            f"matplotlib used off the plot renderer's thread ({what} on "
            f"{threading.current_thread().name}): run it with PlotRenderer.call"
        )


def _guarded(cls: type, name: str) -> None:
    original: Callable[..., Any] = getattr(cls, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        check(f"{cls.__name__}.{name}")
        return original(*args, **kwargs)

    setattr(cls, name, wrapper)


def install() -> None:
    """Wrap the entry points of matplotlib (once; idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure, FigureBase

    for cls, name in (
        (Figure, "__init__"),
        (Figure, "savefig"),
        (Figure, "draw"),
        (FigureBase, "add_subplot"),
        (FigureBase, "add_axes"),
        (FigureBase, "subplots"),
        (Axes, "__init__"),
        (FigureCanvasAgg, "draw"),
        (FigureCanvasAgg, "print_png"),
    ):
        _guarded(cls, name)
