"""Radius histogram (data of A and B, current sampler, expected radius) and the per-component
view: a heatmap of all components (dominant ones marked) and, below it, the curve of a
chosen one. The three are separate plots drawn by the window's plot renderer thread (see
``plot_renderer``): choosing another component redraws only its curve."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from explorer.gui.plots.plot_renderer import PlotRenderer, RenderedPlot
from explorer.gui.widgets.object_names import named

BIN_WIDTH = 0.5


class HistogramPanel(QWidget):
    """Draws what the window hands it; it computes nothing heavy itself."""

    componentChanged = Signal()  # another slot or component chosen

    def __init__(self, renderer: PlotRenderer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.radius_plot = RenderedPlot("radiusHistogram", "radius histogram", renderer)
        self.component_plot = RenderedPlot("componentHistogram", "component heatmap", renderer)
        self.curve_plot = RenderedPlot("componentCurve", "component curve", renderer)
        self._heatmap_of: tuple | None = None  # (slot, model name, statistics) on screen
        self.source = named(QComboBox(), "componentSource")
        self.source.addItems(["A", "B"])
        self.component = named(QSpinBox(minimum=0, maximum=15), "componentIndex")
        self.source.currentIndexChanged.connect(self.componentChanged)
        self.component.valueChanged.connect(self.componentChanged)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("components of slot"))
        controls.addWidget(self.source)
        controls.addWidget(QLabel("curve of component"))
        controls.addWidget(self.component)
        controls.addStretch(1)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addLayout(controls)
        lower_layout.addWidget(self.curve_plot)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.radius_plot)
        split.addWidget(self.component_plot)
        split.addWidget(lower)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(split)
        self.radius_plot.message("radius histogram: waiting for encoded data")
        self.component_plot.message("component heatmap: waiting for encoded data")
        self.curve_plot.message("component curve: waiting for encoded data")

    def plots(self) -> dict[str, RenderedPlot]:
        return {
            "radius_histogram": self.radius_plot,
            "component_histograms": self.component_plot,
            "component_curve": self.curve_plot,
        }

    def draw_radius(
        self, data: dict[str, Any], sampler: dict[str, Any] | None, names: dict, sampler_name: str
    ) -> None:
        """Radii of each slot's encoded data and of the sampler's draws, expected radius."""
        from explorer.core.output.plots import draw_radius_histograms
        from explorer.core.stats.histograms import radius_histogram

        radii: list[tuple[str, np.ndarray]] = []
        for slot, summary in sorted(data.items()):
            radii.append((f"{slot}: encoded data ({names.get(slot, '')})", summary["radii"]))
        expected = []
        drawn = sampler or {}
        for slot, s in sorted(drawn.items()):
            if not s["shared"]:
                target = (
                    "A and B"
                    if len(drawn) > 1 and any(v["shared"] for v in drawn.values())
                    else slot
                )
                radii.append((f"{sampler_name} draws for {target} (n={s['n']})", s["radii"]))
                if s["expected"]:
                    e = s["expected"]
                    label = f"expected |z|, {sampler_name}, z_dim {s['z_dim']}"
                    expected.append((label, e["mean"], e["std"]))
        if not radii:
            self.radius_plot.message("radius histogram: no encoded data yet")
            return
        top = max(float(np.max(r)) if len(r) else 0.0 for _, r in radii)
        top = min(max(top, 1.0), 500.0)
        series = []
        for label, r in radii:
            h = radius_histogram(r, BIN_WIDTH, range=(0.0, top + BIN_WIDTH))
            series.append((label, h.edges, h.counts))
        self.radius_plot.show_figure(
            lambda fig: draw_radius_histograms(fig.subplots(), series, expected or None)
        )

    def draw_components(
        self,
        data: dict[str, Any],
        sampler: dict[str, Any] | None,
        names: dict,
        keep_layout: bool = False,
    ) -> None:
        """Heatmap of the chosen slot's components (only when it shows other data than the
        one on screen) and the curve of the chosen component; ``keep_layout``: the axes
        keep their boxes (another component or slot, same plot size)."""
        from explorer.core.output.plots import draw_component_curve, draw_component_heatmap

        slot = self.source.currentText()
        summary = data.get(slot)
        if summary is None:
            self._heatmap_of = None
            self.component_plot.message(f"slot {slot}: no encoded data")
            self.curve_plot.message(f"slot {slot}: no encoded data")
            return
        stats = summary["stats"]
        hist = stats.histograms
        z_dim = hist.counts.shape[0]
        self.component.setMaximum(z_dim - 1)
        j = min(self.component.value(), z_dim - 1)
        draws = (sampler or {}).get(slot)
        overlay = None
        if draws is not None and draws.get("component_counts") is not None:
            overlay = draws["component_counts"][j] * (hist.counts[j].sum() / max(draws["n"], 1))
        title = (
            f"{slot} ({names.get(slot, '')}): all {z_dim} components, "
            f"{len(stats.dominant)} dominant"
        )
        flag = " (dominant)" if j in stats.dominant else ""
        mean, half_width = float(stats.mean[j]), float(stats.half_width[j])

        def build_heatmap(fig):
            ax = fig.subplots()
            draw_component_heatmap(ax, hist.edges, hist.counts, stats.dominant)
            ax.set_title(title, fontsize="medium")

        def build_curve(fig):
            ax = fig.subplots()
            draw_component_curve(
                ax, hist.edges, hist.counts[j], mean, half_width, f"component {j}{flag}"
            )
            if overlay is not None:
                ax.stairs(
                    overlay,
                    hist.edges,
                    color="tab:purple",
                    linewidth=1.2,
                    label="sampler draws (scaled)",
                )
            ax.legend(fontsize="small")

        shown, last = (slot, names.get(slot, ""), stats), self._heatmap_of
        if last is None or shown[:2] != last[:2] or shown[2] is not last[2]:
            self._heatmap_of = shown
            self.component_plot.show_figure(build_heatmap, keep_layout)
        self.curve_plot.show_figure(build_curve, keep_layout)
