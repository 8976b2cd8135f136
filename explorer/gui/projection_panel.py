"""t-SNE map of a slot's encoded data, coloured by label; a click shows the point's image and
its reconstruction. Drag to pan, wheel to zoom, double-click to see everything again: the
image moves at once and the renderer thread draws the new view (see ``plot_renderer``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from explorer.gui.grid_view import to_qimage
from explorer.gui.plot_renderer import PlotRenderer, RenderedPlot
from explorer.gui.task_controls import TaskControls, encoded_slot, lay_out_panel
from explorer.gui.workers import Runner

THUMB = 96
CLICK_SLOP = 4  # pixels a press may move and still be a click, not a pan
ZOOM_STEP = 1.25  # one wheel notch
CHILD_PROCESS_POINTS = 5000  # from this size t-SNE runs in a child process (tsne_process)


def run_tsne(state, z, indices, n_points: int, perplexity: float, n_iter: int, seed: int):
    """Worker: t-SNE of ``n_points`` of ``z``; returns (embedding, rows used). Large maps
    are computed in a child process, so openTSNE never holds this interpreter's GIL."""
    from explorer.core.stats.projection import subsample, tsne
    from explorer.core.stats.tsne_process import tsne_in_child

    rows = subsample(len(z), n_points, seed)
    run = tsne_in_child if len(rows) >= CHILD_PROCESS_POINTS else tsne
    params = {"perplexity": perplexity, "n_iter": n_iter, "seed": seed, "n_jobs": 1}
    result = run(np.asarray(z)[rows], state=state, **params)
    return result.embedding, rows


class ProjectionPanel(QWidget):
    """Parameters, Run/Cancel with progress, the scatter, and the clicked point's images."""

    def __init__(
        self,
        runner: Runner,
        renderer: PlotRenderer,
        data: Callable[[str], Any],
        reconstruct: Callable[[str, int, Callable], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner, self.data, self.reconstruct = runner, data, reconstruct
        self.result: tuple[str, np.ndarray, np.ndarray] | None = None
        self._draw_args: tuple | None = None
        self.limits: tuple[tuple[float, float], tuple[float, float]] | None = None  # None: all
        self._press: QPointF | None = None
        self.slot = QComboBox(objectName="tsneSlot")
        self.slot.addItems(["A", "B"])
        self.points = QSpinBox(objectName="tsnePoints", minimum=20, maximum=200_000, value=1000)
        self.perplexity = QDoubleSpinBox(
            objectName="tsnePerplexity", minimum=1.0, maximum=500.0, value=30.0
        )
        self.iterations = QSpinBox(
            objectName="tsneIterations", minimum=50, maximum=5000, value=500, singleStep=50
        )
        self.controls = TaskControls("tsne")
        self.controls.runClicked.connect(self.run)
        self.controls.cancelClicked.connect(self.cancel)
        self.plot = RenderedPlot("tsneView", "t-SNE map", renderer)
        self.plot.setToolTip(
            "click: image and reconstruction; drag: pan; wheel: zoom; double-click: whole map"
        )
        self.plot.message("t-SNE: choose the parameters and press Run")
        self.plot.installEventFilter(self)
        self.original, self.rebuilt = QLabel(), QLabel()
        for label in (self.original, self.rebuilt):
            label.setFixedSize(THUMB, THUMB)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setStyleSheet("border: 1px solid #bbb;")
        self.point_info = QLabel("click a point to see its image and reconstruction", wordWrap=True)
        form = QFormLayout()
        form.addRow("slot", self.slot)
        form.addRow("points", self.points)
        form.addRow("perplexity", self.perplexity)
        form.addRow("iterations", self.iterations)
        pics = QHBoxLayout()
        pics.addWidget(self.original)
        pics.addWidget(self.rebuilt)
        lay_out_panel(self, form, self.controls, self.plot, pics, self.point_info)

    def run(self) -> None:
        if (picked := encoded_slot(self)) is None:
            return
        slot, enc = picked
        n = min(self.points.value(), len(enc.z))
        self.controls.started(f"t-SNE of {n} points of slot {slot}…")
        task = self.runner.start(
            "tsne",
            run_tsne,
            enc.z,
            enc.indices,
            n,
            self.perplexity.value(),
            self.iterations.value(),
            0,
            on_done=lambda out: self._done(slot, enc, out),
        )
        self.controls.follow(task)

    def cancel(self) -> None:
        self.runner.cancel("tsne")
        self.controls.ended("cancelled")

    def _done(self, slot: str, enc: Any, out: tuple) -> None:
        embedding, rows = out
        labels = None if enc.labels is None else np.asarray(enc.labels)[rows]
        if labels is not None and labels.ndim != 1:
            labels = None
        self.result = (slot, embedding, rows)
        self._draw_args = (embedding, labels, enc.label_names, slot, len(rows))
        self.limits = None
        self.draw_map()
        self.controls.ended(f"done: {len(rows)} points")

    def draw_map(self, keep_layout: bool = False) -> None:
        """Draw the map (in the renderer thread) with the current view limits; a pan or a
        zoom keeps the axes where they are (``keep_layout``)."""
        if self._draw_args is None:
            return
        embedding, labels, names, slot, n = self._draw_args
        limits = self.limits

        def build(fig):
            from explorer.core.output.plots import draw_tsne

            ax = fig.subplots()
            draw_tsne(ax, embedding, labels, names, s=6)
            ax.set_title(f"t-SNE of {n} z-points of slot {slot}")
            if limits is not None:
                ax.set_xlim(*limits[0])
                ax.set_ylim(*limits[1])
            return ax

        self.plot.show_figure(build, keep_layout)

    # ------------------------------------------------------------------ mouse
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self.plot or self.result is None:
            return False
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position()
            return True
        if kind == QEvent.Type.MouseMove and self._press is not None:
            self.plot.offset = event.position() - self._press  # the image follows at once
            self.plot.update()
            return True
        if kind == QEvent.Type.MouseButtonRelease and self._press is not None:
            start, self._press = self._press, None
            moved = event.position() - start
            if max(abs(moved.x()), abs(moved.y())) <= CLICK_SLOP:
                self.plot.offset = QPointF(0, 0)
                self.click_at(event.position())
            else:
                self.pan(start, event.position())
            return True
        if kind == QEvent.Type.MouseButtonDblClick:
            self.limits = None
            self.draw_map(keep_layout=True)
            return True
        if kind == QEvent.Type.Wheel:
            steps = event.angleDelta().y() / 120
            if steps:
                self.zoom(event.position(), ZOOM_STEP ** (-steps))
            return True
        return False

    def _data_at(self, pos: QPointF) -> tuple[float, float] | None:
        ax = self.plot.info
        if ax is None:
            return None
        x, y = ax.transData.inverted().transform(self.plot.figure_pixel(pos))
        return float(x), float(y)

    def _view(self) -> tuple[tuple[float, float], tuple[float, float]] | None:
        """The view last asked for (a second wheel notch before the first image has
        arrived builds on it), else the one on screen."""
        if self.limits is not None:
            return self.limits
        ax = self.plot.info
        return None if ax is None else (tuple(ax.get_xlim()), tuple(ax.get_ylim()))

    def pan(self, start: QPointF, end: QPointF) -> None:
        """Move the view by the data distance between two widget positions."""
        a, b, view = self._data_at(start), self._data_at(end), self._view()
        if a is None or b is None or view is None:
            return
        dx, dy = a[0] - b[0], a[1] - b[1]
        self.limits = ((view[0][0] + dx, view[0][1] + dx), (view[1][0] + dy, view[1][1] + dy))
        self.draw_map(keep_layout=True)

    def zoom(self, pos: QPointF, factor: float) -> None:
        """Scale the view by ``factor`` (< 1 zooms in) around the data point under ``pos``."""
        centre, view = self._data_at(pos), self._view()
        if centre is None or view is None:
            return
        self.limits = tuple(
            (c + (lo - c) * factor, c + (hi - c) * factor)
            for c, (lo, hi) in zip(centre, view, strict=True)
        )
        self.draw_map(keep_layout=True)

    def click_at(self, pos: QPointF) -> None:
        """Show the point nearest to the widget position ``pos``."""
        point = self._data_at(pos)
        if point is None or self.result is None:
            return
        slot, embedding, rows = self.result
        i = int(np.argmin(np.sum((embedding - point) ** 2, axis=1)))
        self.show_point(slot, int(rows[i]))

    def show_point(self, slot: str, row: int) -> None:
        """Show encoded row ``row`` of ``slot``: its data set image and reconstruction."""
        enc, ds = self.data(slot), self.data(f"dataset{slot}")
        if enc is None or ds is None:
            return
        index = int(enc.indices[row]) if enc.indices is not None else row
        image = ds.image(index)
        self.original.setPixmap(_thumb(image))
        label = "" if enc.labels is None else f", label {enc.labels[row]}"
        self.point_info.setText(
            f"image #{index}{label} (left) and its reconstruction by {slot} (right)"
        )
        self.rebuilt.clear()
        self.reconstruct(slot, index, lambda rec: self.rebuilt.setPixmap(_thumb(rec)))


def _thumb(image: np.ndarray) -> QPixmap:
    return QPixmap.fromImage(to_qimage(image)).scaled(
        THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
    )
