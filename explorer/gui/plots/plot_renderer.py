"""Matplotlib plots drawn off the GUI thread.

Drawing a figure with ticks, labels, a legend and a constrained layout takes 0.1-0.3 s,
mostly in Python; on the GUI thread that is a stall the user feels. A :class:`RenderedPlot`
therefore never draws itself: it hands a *build function* ``build(figure) -> info`` to the
window's :class:`PlotRenderer` thread, which makes a fresh ``Figure`` at the widget's size,
calls ``build`` on it, draws it with Agg into a ``QImage`` and sends that back. The GUI
thread only paints images. Because the work is Python, the interpreter switches between
the threads every few milliseconds and the event loop keeps running.

Only the newest request of a plot is drawn; older ones still waiting are dropped, and an
image that arrives after a newer request was made is not shown (each request is a task of
the worker API, :mod:`explorer.gui.tasks.workers`, superseded by the next).

matplotlib is not thread-safe, so the renderer's thread is the only one that touches it in
the window: it also saves figures (:meth:`PlotRenderer.call`, e.g. ``RenderedPlot.export``,
the map's export, "Export plots…"); the GUI thread keeps a finished figure only as a handle
to pass back. :mod:`explorer.gui.plots.mpl_guard` (on in the tests) fails loudly when any other
thread builds, draws or saves a figure while a renderer runs.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QPointF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QSizePolicy, QWidget

from explorer.gui.plots import mpl_guard
from explorer.gui.tasks.workers import (
    Task,
    register_executor,
    report_error,
    start_thread,
    wait_until,
)
from explorer.gui.widgets import dialog_folders
from explorer.gui.widgets.later import Later

FILTER = "PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"
DPI = 90
RESIZE_DELAY_MS = 120  # re-render this long after the last resize step

Build = Callable[[Any], Any]  # build(figure) -> info


@dataclass
class _Request:
    build: Build
    width: int  # device pixels
    height: int
    ratio: float
    positions: list | None = None  # axes boxes to reuse instead of a constrained layout


class PlotRenderer(QObject):
    """One thread that draws every plot of a window, newest request per plot first served,
    and runs every other matplotlib call of the window (:meth:`call`, in order): an executor
    of the worker API (each request is a :class:`~explorer.gui.tasks.workers.Task`; a plot's
    result is ``(image, figure, info, axes boxes)``)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cond = threading.Condition()
        self._pending: OrderedDict[object, tuple[Task, Callable[..., Any], tuple]] = OrderedDict()
        self._stopping = False
        self._drawing = False
        self._calls = 0  # keys of one-off calls (never replaced)
        self._thread = start_thread("plot-renderer", self._serve)
        register_executor(self)

    def busy(self) -> bool:
        with self._cond:
            return bool(self._pending) or self._drawing

    def isRunning(self) -> bool:  # noqa: N802 - as QThread's
        return self._thread.isRunning()

    def submit(self, plot_id: int, task: Task, request: _Request) -> None:
        """Queue ``request`` for ``plot_id``, replacing one of the same plot still waiting."""
        self._queue(plot_id, task, render, (request,))

    def call(self, fn: Callable[..., Any], *args: Any, **callbacks: Any) -> Task:
        """Run ``fn(state, *args)`` on the renderer thread after what is queued before it
        (a figure's export); ``callbacks`` as :meth:`Task.on`."""
        task = Task("matplotlib", self).on(**callbacks)
        task.finished.connect(task.dispose)
        with self._cond:
            self._calls += 1
            key = ("call", self._calls)
        self._queue(key, task, fn, args)
        return task

    def run_call(self, fn: Callable[..., Any], *args: Any, timeout_ms: int = 120_000) -> Any:
        """:meth:`call` and wait for its result, the event loop running meanwhile (no stall
        while a figure is saved); raises :class:`~explorer.core.errors.ExplorerError` with
        the error's line when it failed."""
        from explorer.core.errors import ExplorerError

        outcome: dict[str, Any] = {}
        task = self.call(
            fn,
            *args,
            on_done=lambda v: outcome.setdefault("result", v),
            on_error=lambda e: outcome.setdefault("error", e),
            on_cancel=lambda: outcome.setdefault("error", "the plot renderer was shut down"),
        )
        wait_until(lambda: bool(outcome), timeout_ms)
        if "error" in outcome:
            raise ExplorerError(outcome["error"])
        if "result" not in outcome:
            task.cancel()
            raise ExplorerError("the plot renderer did not answer in time")
        return outcome["result"]

    def _queue(self, key: object, task: Task, fn: Callable[..., Any], args: tuple) -> None:
        old: tuple[Task, Callable[..., Any], tuple] | None
        with self._cond:
            if self._stopping:
                old = (task, fn, args)
            else:
                old = self._pending.pop(key, None)
                self._pending[key] = (task, fn, args)
                self._cond.notify()
        if old is not None:
            old[0].skip()
        if not self._thread.isRunning() and not self._stopping:
            self._thread.start()

    def shutdown(self) -> None:
        """Drop waiting requests, finish the current one and end the thread (idempotent)."""
        with self._cond:
            self._stopping = True
            dropped = list(self._pending.values())
            self._pending.clear()
            self._cond.notify()
        for task, _, _ in dropped:
            task.skip()
        self._thread.wait()

    def _serve(self) -> None:
        mpl_guard.enter()
        try:
            while True:
                with self._cond:
                    while not self._pending and not self._stopping:
                        self._cond.wait()
                    if self._stopping:
                        return
                    _, (task, fn, args) = self._pending.popitem(last=False)
                    self._drawing = True
                task.run(fn, *args)
                with self._cond:
                    self._drawing = False
        finally:
            mpl_guard.leave()


def render(_state, request: _Request) -> tuple[QImage, Any, Any, list]:
    """Build and draw one figure with Agg; returns (image, figure, build's info, the axes'
    boxes for the next ``keep_layout`` request)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    dpi = DPI * request.ratio
    positions = request.positions
    reuse = positions is not None
    figure = Figure(
        figsize=(request.width / dpi, request.height / dpi),
        dpi=dpi,
        layout=None if reuse else "constrained",
    )
    canvas = FigureCanvasAgg(figure)
    info = request.build(figure)
    if positions is not None:
        if len(figure.axes) == len(positions):
            for ax, box in zip(figure.axes, positions, strict=True):
                ax.set_position(box)
        else:  # a different figure after all: lay it out afresh
            figure.set_layout_engine("constrained")
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    h, w = rgba.shape[:2]
    image = QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()
    image.setDevicePixelRatio(request.ratio)
    boxes = [ax.get_position().frozen() for ax in figure.axes]
    return image, figure, info, boxes


class RenderedPlot(QWidget):
    """Shows the image of the last figure ``show_figure(build)`` asked for; right-click
    exports it.

    ``figure`` and ``info`` belong to the image on screen; ``busy()`` is true while a
    requested image has not arrived yet. ``imageShown`` fires when a new one is on screen.

    A constrained layout costs as much as drawing (0.1-0.15 s for two axes with ticks), so
    ``show_figure(build, keep_layout=True)`` (a pan, a zoom, another component of the same
    plot) reuses the axes boxes of the image on screen when its size has not changed.
    """

    imageShown = Signal()

    def __init__(
        self, name: str, title: str, renderer: PlotRenderer, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.title = title
        self.renderer = renderer
        self.figure = None
        self.info: Any = None
        self.error = ""
        self._image: QImage | None = None
        self._build: Build | None = None
        self._task: Task | None = None  # the newest request; None once shown
        self._layout: tuple[int, int, list] | None = None  # (width, height, axes boxes)
        self._message = ""
        self.offset = QPointF(0, 0)  # shift of the image while the user drags (panning)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(260, 180)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._rerender_soon = Later(self._rerender, RESIZE_DELAY_MS, self)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)

    # ------------------------------------------------------------------ requests
    def show_figure(self, build: Build, keep_layout: bool = False) -> None:
        """Draw ``build(figure)`` in the renderer thread and show it when done; with
        ``keep_layout`` its axes take the boxes of the image on screen if the size is
        unchanged (``build`` must then make the same axes)."""
        self._build = build
        self._supersede()
        ratio = float(self.devicePixelRatioF()) or 1.0
        size = self.size().expandedTo(QSize(260, 180))
        width, height = int(size.width() * ratio), int(size.height() * ratio)
        positions = None
        if keep_layout and self._layout is not None and self._layout[:2] == (width, height):
            positions = self._layout[2]
        self._task = task = Task("plot", self.renderer)  # the executor outlives its tasks
        task.returned.connect(self._shown)
        task.errored.connect(self._failed)
        task.finished.connect(task.dispose)
        self.renderer.submit(id(self), task, _Request(build, width, height, ratio, positions))

    def _supersede(self) -> None:
        if self._task is not None:
            self._task.cancel()  # an image still being drawn is stale now
            self._task = None

    def message(self, text: str) -> None:
        """Show ``text`` instead of a plot (waiting for data, nothing to show). Painted by
        Qt: no figure, nothing to export, and no matplotlib import while the window opens."""
        self._supersede()
        self._build, self._image, self.figure, self.info = None, None, None, None
        self.error, self._message = "", text
        self.update()

    def busy(self) -> bool:
        """A requested image has not arrived yet, or a re-render after a resize is due."""
        return self._task is not None or self._rerender_soon.pending

    def _rerender(self) -> None:
        if self._build is not None:
            self.show_figure(self._build)

    def _shown(self, result: tuple[QImage, Any, Any, list]) -> None:
        image, figure, info, boxes = result
        self._image, self.figure, self.info = image, figure, info
        self._layout = (image.width(), image.height(), boxes)
        self._done("")

    def _failed(self, error: str) -> None:
        self._image = None  # paintEvent says what went wrong
        self._done(error)

    def _done(self, error: str) -> None:
        self._task = None
        self.error, self._message = error, ""
        self.offset = QPointF(0, 0)
        self.update()
        self.imageShown.emit()

    # ------------------------------------------------------------------ Qt
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        if self._image is not None:
            painter.drawImage(self.offset, self._image)
        elif self.error or self._message:
            painter.setPen(Qt.GlobalColor.darkRed if self.error else Qt.GlobalColor.darkGray)
            text = f"could not draw: {self.error}" if self.error else self._message
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            painter.drawText(self.rect().adjusted(12, 12, -12, -12), flags, text)
        painter.end()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._rerender_soon()

    def sizeHint(self) -> QSize:
        return QSize(450, 315)

    # ------------------------------------------------------------------ export
    def export(self, path: str | os.PathLike) -> None:
        """Save the figure on screen (on the renderer thread; the event loop runs while it
        waits); the suffix picks PNG, SVG or PDF."""
        from explorer.core.errors import InvalidParameter

        if self.figure is None:
            raise InvalidParameter(f"the {self.title} has not been drawn yet")
        self.renderer.run_call(save_figure_task, self.figure, path)

    def _menu(self, pos) -> None:
        menu = QMenu(self)
        action = menu.addAction("Export plot…", self.export_dialog)
        action.setEnabled(self.figure is not None)  # a message has nothing to export
        menu.exec(self.mapToGlobal(pos))

    def export_dialog(self) -> None:
        """Ask for a file and export; a failure (e.g. an unwritable folder) is a message."""
        from explorer.core.errors import ExplorerError

        path, _ = QFileDialog.getSaveFileName(
            self, f"Export {self.title}", dialog_folders.start(), FILTER
        )
        dialog_folders.chosen(path)
        if not path:
            return
        try:
            self.export(path)
        except (ExplorerError, OSError) as exc:
            QMessageBox.warning(self, "Export failed", report_error(exc))


def save_figure_task(_state, figure: Any, path: str | os.PathLike) -> None:
    """A renderer call: save ``figure`` to ``path`` (PNG, SVG or PDF by its suffix)."""
    from explorer.core.util.export import save_figure

    save_figure(figure, path)


def save_figure_all_task(_state, figure: Any, stem: str | os.PathLike) -> list:
    """A renderer call: ``figure`` as ``stem``.png, .svg and .pdf; the paths written."""
    from explorer.core.util.export import save_figure_all

    return save_figure_all(figure, stem)
