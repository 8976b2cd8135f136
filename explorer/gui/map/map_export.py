"""Export of a :class:`~explorer.gui.map.map_view.MapView` with matplotlib: the map as on
screen (view, colours, selection, marks) as PNG, SVG or PDF, drawn on the window's renderer
thread when the view has one."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog, QMessageBox

from explorer.gui.map.map_paint import dot_diameter
from explorer.gui.tasks.workers import report_error
from explorer.gui.widgets import dialog_folders

if TYPE_CHECKING:
    from explorer.gui.map.map_view import MapView

FILTER = "PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"


def export_figure(view: MapView, path: str | os.PathLike) -> None:
    """Save ``view``'s map to ``path`` (the suffix picks the format)."""
    _on_renderer(view, _save_map, figure_inputs(view), path)


def export_figure_all(view: MapView, stem: str | os.PathLike) -> list:
    """``view``'s map as ``stem``.png, .svg and .pdf."""
    return _on_renderer(view, _save_map_all, figure_inputs(view), stem)


def export_dialog(view: MapView) -> None:
    """Ask for a file and export; a failure (e.g. an unwritable folder) is a message."""
    from explorer.core.errors import ExplorerError

    path, _ = QFileDialog.getSaveFileName(view, "Export map", dialog_folders.start(), FILTER)
    dialog_folders.chosen(path)
    if not path:
        return
    try:
        export_figure(view, path)
    except (ExplorerError, OSError) as exc:
        QMessageBox.warning(view, "Export failed", report_error(exc))


def _on_renderer(view: MapView, fn: Callable, *args: object) -> Any:
    if view.renderer is not None:
        return view.renderer.run_call(fn, *args)
    return fn(None, *args)


def figure_inputs(view: MapView) -> dict:
    """What :func:`map_figure` needs to draw the map as on screen (copied on the GUI
    thread); InvalidParameter when there are no points."""
    from explorer.core.errors import InvalidParameter

    if view._xy is None or view._colours is None:
        raise InvalidParameter("the map has no points to export")
    rect = view.plot_rect()
    return {
        "xy": view._xy,  # replaced, never changed in place
        "colours": view._colours,
        "limits": view.view_limits(),
        "title": view.title,
        "axis_names": view.axis_names,
        "selection": view._selection.copy(),
        "marked": view._marked.copy(),
        "aspect": rect.height() / max(rect.width(), 1.0),
    }


def map_figure(inputs: dict):
    """A matplotlib figure of a map from :func:`figure_inputs` (renderer thread)."""
    from explorer.core.output.map_colours import draw_map
    from explorer.core.output.plots import new_figure

    xy, marked = inputs["xy"], inputs["marked"]
    fig = new_figure(7.0, max(3.0, min(9.0, 5.6 * inputs["aspect"] + 1.2)))
    ax = fig.add_subplot()
    size = max(1.0, dot_diameter(len(xy)) * 0.8)
    draw_map(
        ax, xy, inputs["colours"], inputs["limits"], inputs["title"], inputs["axis_names"],
        inputs["selection"], size,
    )  # fmt: skip
    if len(marked):
        ring = xy[marked]
        ax.scatter(ring[:, 0], ring[:, 1], s=60, facecolors="none", edgecolors="k", lw=1)
    return fig


def _save_map(_state, inputs: dict, path: str | os.PathLike) -> None:
    from explorer.core.util.export import save_figure

    save_figure(map_figure(inputs), path)


def _save_map_all(_state, inputs: dict, stem: str | os.PathLike) -> list:
    from explorer.core.util.export import save_figure_all

    return save_figure_all(map_figure(inputs), stem)
