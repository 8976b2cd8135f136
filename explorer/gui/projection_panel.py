"""t-SNE map of a slot's encoded data, coloured by label; a click shows the point's image and
its reconstruction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from explorer.gui.grid_view import to_qimage
from explorer.gui.plot_canvas import PlotCanvas
from explorer.gui.task_controls import TaskControls
from explorer.gui.workers import Runner

THUMB = 96


def run_tsne(state, z, indices, n_points: int, perplexity: float, n_iter: int, seed: int):
    """Worker: t-SNE of ``n_points`` of ``z``; returns (embedding, rows used)."""
    from explorer.core.projection import subsample, tsne

    rows = subsample(len(z), n_points, seed)
    result = tsne(
        np.asarray(z)[rows], perplexity=perplexity, n_iter=n_iter, seed=seed, n_jobs=1, state=state
    )
    return result.embedding, rows


class ProjectionPanel(QWidget):
    """Parameters, Run/Cancel with progress, the scatter, and the clicked point's images."""

    def __init__(
        self,
        runner: Runner,
        data: Callable[[str], Any],
        reconstruct: Callable[[str, int, Callable], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner, self.data, self.reconstruct = runner, data, reconstruct
        self.result: tuple[str, np.ndarray, np.ndarray] | None = None
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
        self.plot = PlotCanvas("tsneView", "t-SNE map")
        self.plot.message("t-SNE: choose the parameters and press Run")
        self.plot.canvas.mpl_connect("button_press_event", self._clicked)
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
        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(self.controls)
        pics = QHBoxLayout()
        pics.addWidget(self.original)
        pics.addWidget(self.rebuilt)
        side.addLayout(pics)
        side.addWidget(self.point_info)
        side.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(side)
        layout.addWidget(self.plot, 1)

    def run(self) -> None:
        slot = self.slot.currentText()
        enc = self.data(slot)
        if enc is None:
            self.controls.ended(f"slot {slot} has no encoded data", error=True)
            return
        n = min(self.points.value(), len(enc.z))
        self.controls.started(f"t-SNE of {n} points of slot {slot}…")
        self.runner.start(
            "tsne",
            run_tsne,
            enc.z,
            enc.indices,
            n,
            self.perplexity.value(),
            self.iterations.value(),
            0,
            on_done=lambda out: self._done(slot, enc, out),
            on_error=lambda text: self.controls.ended(f"error: {text}", error=True),
            on_progress=self.controls.progress,
            on_cancel=lambda: self.controls.ended("cancelled"),
        )

    def cancel(self) -> None:
        self.runner.cancel("tsne")
        self.controls.ended("cancelled")

    def _done(self, slot: str, enc: Any, out: tuple) -> None:
        from explorer.core.plots import draw_tsne

        embedding, rows = out
        labels = None if enc.labels is None else np.asarray(enc.labels)[rows]
        if labels is not None and labels.ndim != 1:
            labels = None
        self.result = (slot, embedding, rows)
        ax = self.plot.axes()
        draw_tsne(ax, embedding, labels, enc.label_names, s=6)
        ax.set_title(f"t-SNE of {len(rows)} z-points of slot {slot}")
        self.plot.redraw()
        self.controls.ended(f"done: {len(rows)} points")

    def _clicked(self, event) -> None:
        if self.result is None or event.xdata is None:
            return
        slot, embedding, rows = self.result
        i = int(np.argmin(np.sum((embedding - [event.xdata, event.ydata]) ** 2, axis=1)))
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
