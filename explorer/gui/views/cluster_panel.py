"""k-means inertia curve of a slot's encoded data (look for an elbow), with progress/cancel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QWidget

from explorer.gui.plots.plot_renderer import PlotRenderer, RenderedPlot
from explorer.gui.tasks.workers import Runner
from explorer.gui.widgets.object_names import named
from explorer.gui.widgets.task_controls import TaskControls, encoded_slot, lay_out_panel


def run_kmeans(state, z, ks_text: str):
    """Worker: MiniBatchKMeans inertia for every k of ``ks_text`` (e.g. ``2:40:2``)."""
    from explorer.core.stats.clustering import kmeans_inertia, parse_k_range

    z = np.asarray(z)
    return kmeans_inertia(z, parse_k_range(ks_text, len(z)), state=state, n_init=1)


class ClusterPanel(QWidget):
    def __init__(
        self,
        runner: Runner,
        renderer: PlotRenderer,
        data: Callable[[str], Any],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner, self.data = runner, data
        self.slot = named(QComboBox(), "kmeansSlot")
        self.slot.addItems(["A", "B"])
        self.ks = named(QLineEdit("2:40:2"), "kmeansK")
        self.ks.setToolTip("k values: k, start:stop or start:stop:step, comma separated")
        self.controls = TaskControls("kmeans")
        self.controls.runClicked.connect(self.run)
        self.controls.cancelClicked.connect(self.cancel)
        self.plot = RenderedPlot("kmeansView", "k-means inertia", renderer)
        self.plot.message("k-means inertia: choose k values and press Run")
        form = QFormLayout()
        form.addRow("slot", self.slot)
        form.addRow("k", self.ks)
        lay_out_panel(self, form, self.controls, self.plot)

    def run(self) -> None:
        if (picked := encoded_slot(self)) is None:
            return
        slot, enc = picked
        self.controls.started(f"k-means on {len(enc.z)} points of slot {slot}…")
        task = self.runner.start(
            "kmeans",
            run_kmeans,
            enc.z,
            self.ks.text(),
            on_done=lambda sweep: self._done(slot, sweep),
        )
        self.controls.follow(task)

    def cancel(self) -> None:
        self.runner.cancel("kmeans")
        self.controls.ended("cancelled")

    def _done(self, slot: str, sweep: Any) -> None:
        from explorer.core.output.plots import draw_kmeans_inertia

        def build(fig):
            ax = fig.subplots()
            draw_kmeans_inertia(ax, sweep.k, sweep.inertia)
            ax.set_title(f"k-means inertia, slot {slot}")

        self.plot.show_figure(build)
        self.controls.ended(f"done: {len(sweep.k)} values of k")
