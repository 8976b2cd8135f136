"""The Quality view: measured sample quality of A and B for the current sampler
(:mod:`explorer.core.stats.quality`), and a sweep of one sampler parameter.

Nothing here blocks the GUI thread. One evaluation is a chain of tasks
(:class:`~explorer.gui.quality.quality_run.QualityRun`):

1. the *judge* (the data set's classifier, or pixel principal components without labels)
   and the held-out real images' features, on the panel's own judge thread (cached per data
   set and sample count: after the first time a resample costs only the decodes; a labelled
   data set without a cached classifier trains one here, with progress and cancel);
2. the sampler's z-points of every slot, on a :class:`~explorer.gui.tasks.workers.Runner` job;
3. each slot's decodes on that slot's model thread (an op of its own, so a map selection
   being decoded at the same time does not supersede it, nor the reverse);
4. the decodes judged on the judge thread, which holds
   :data:`~explorer.gui.tasks.model_thread.TF_LOCK` like the model threads, letting it go between
   the batches of a classifier training (the grids keep decoding).

Script API: :meth:`QualityPanel.refresh`, :meth:`QualityPanel.run_sweep`, ``report`` (the
last :class:`~explorer.core.stats.quality.QualityReport`) and ``sweep_result`` (the last
:class:`~explorer.core.stats.quality.Sweep`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from explorer.core.errors import InvalidParameter
from explorer.core.latent.samplers import get_sampler
from explorer.core.output.quality_plots import LABELS, draw_sweep
from explorer.core.params import Param
from explorer.core.stats import quality
from explorer.core.stats.quality_metrics import METRICS, MIN_SAMPLES
from explorer.gui.plots.plot_renderer import RenderedPlot
from explorer.gui.quality.quality_run import Inputs, QualityRun, judge_controller
from explorer.gui.tasks.workers import Runner
from explorer.gui.widgets.layouts import hbox
from explorer.gui.widgets.object_names import named
from explorer.gui.widgets.task_controls import TaskControls

REAL_COLUMN = "real (held out)"
COLUMNS = ("A", "B", REAL_COLUMN)
HELP = {
    "confident": "Share of decodes the classifier recognises with top probability >= 0.9; "
    "higher is better.",
    "confidence_mean": "The classifier's mean top probability over the decodes; higher is better.",
    "class_coverage": "How evenly the decodes spread over the classes (1 = as evenly as the "
    "real images); higher is better.",
    "fd": "Frechet distance between Gaussians fitted to real and decoded features (the FID "
    "formula); lower is better.",
    "precision": "Share of decodes that fall within the real images' feature manifold (k = 3); "
    "higher is better.",
    "recall": "Share of real images that fall within the decodes' feature manifold (k = 3); "
    "higher is better.",
    "density": "How many real-image neighbourhoods contain each decode on average (k = 5; "
    "about 1 for real images); higher is better.",
    "coverage": "Share of real images whose neighbourhood (k = 5) contains a decode; "
    "higher is better.",
}


def fmt(metric: str, value: float | None) -> str:
    """A table cell: 3 decimals (FD 1), "—" when the metric is not available."""
    if value is None or not math.isfinite(float(value)):
        return "—"
    return f"{value:.1f}" if metric == "fd" else f"{value:.3f}"


def default_range(p: Param, value: Any) -> str:
    """``LO:HI:STEP`` to sweep parameter ``p``: its declaration's ``sweep``, else a range
    around its ``value`` that suits its kind."""
    if p.sweep:
        return p.sweep
    kind = p.kind
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = 1.0
    if kind == "axis":
        return "0:3:1"
    if kind == "int":
        v = max(1, int(round(v)))
        return f"{max(1, v // 2)}:{v * 2}:{max(1, v // 4)}"
    if kind == "positive":
        v = v if v > 0 else 1.0
        return f"{v / 4:g}:{v * 2:g}:{v / 4:g}"
    return f"{v - 2:g}:{v + 2:g}:0.5"


def parse_range(param: str, text: str) -> np.ndarray:
    """The values of ``LO:HI:STEP``, or one line (InvalidParameter) saying what is wrong."""
    try:
        return quality.parse_sweep(f"{param}={text.strip()}")[1]
    except InvalidParameter as exc:
        reason = str(exc).replace("--sweep ", "").replace(f"{param}=", "")
        if "at most" in reason:
            raise InvalidParameter(f"range {reason}") from None
        raise InvalidParameter(
            f"range must be LO:HI:STEP with LO <= HI and STEP > 0 (e.g. 0.5:8:0.5), "
            f"got {text.strip()!r}"
        ) from None


class QualityPanel(QWidget):
    """Quality table of A, B and the held-out real images, recomputed after a resample;
    a sweep of one sampler parameter drawn below it (see the module docstring)."""

    changed = Signal()  # a computation started or ended (the window's busy/idle)

    def __init__(
        self,
        runner: Runner,
        renderer,
        inputs: Callable[[], Inputs | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner, self.inputs = runner, inputs
        self.judge = judge_controller(self)
        self.judge.changed.connect(self.changed)
        self.report: quality.QualityReport | None = None
        self.sweep_result: quality.Sweep | None = None
        self.stale = True
        self._runs: dict[str, QualityRun | None] = {"report": None, "sweep": None}
        self._closed = False
        self._wanted = False  # a resample happened while the tab was hidden
        self._sampler = ""
        self._params: dict[str, Any] = {}

        self.n = named(QSpinBox(minimum=2, maximum=100_000, singleStep=500), "qualityN")
        self.n.setValue(quality.DEFAULT_N)
        self.n.setToolTip("decodes per model (and held-out real images at most as many)")
        self.n.valueChanged.connect(self._n_changed)
        self.auto = named(QCheckBox("recompute on resample"), "qualityAuto")
        self.auto.setChecked(True)
        self.auto.setToolTip(
            "recompute the table after every resample while this tab is shown "
            "(otherwise when the tab is shown next)"
        )
        self.n_note = named(QLabel(wordWrap=True), "qualityNote")
        self.n_note.setStyleSheet("color: #a60;")
        self.controls = TaskControls("quality")
        self.controls.run_button.setText("Compute")
        self.controls.runClicked.connect(self.refresh)
        self.controls.cancelClicked.connect(lambda: self._cancel("report"))

        self.table = named(QTableWidget(len(METRICS), len(COLUMNS)), "qualityTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        for row, metric in enumerate(METRICS):
            header = QTableWidgetItem(LABELS[metric])
            header.setToolTip(HELP[metric])
            self.table.setVerticalHeaderItem(row, header)
        columns = self.table.horizontalHeader()
        columns.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # "real (held out)" takes two lines in a narrow dock rather than being cut
        columns.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap)
        columns.setMinimumHeight(50)  # three lines in a narrow dock
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setMinimumHeight(len(METRICS) * 22 + 72)  # every metric without scrolling

        self.param = named(QComboBox(), "qualitySweepParam")
        self.range = named(QLineEdit(), "qualitySweepRange")
        self.range.setPlaceholderText("LO:HI:STEP")
        self.range.setToolTip("values of the parameter: LO:HI:STEP (HI included)")
        self.param.currentTextChanged.connect(self._param_changed)
        self.sweep_controls = TaskControls("qualitySweep")
        self.sweep_controls.run_button.setText("Sweep")
        self.sweep_controls.runClicked.connect(self._sweep_clicked)
        self.sweep_controls.cancelClicked.connect(lambda: self._cancel("sweep"))
        self.plot = RenderedPlot("qualitySweepPlot", "sample quality sweep", renderer)
        self.plot.message("sweep: choose a parameter and a range, then press Sweep")
        self.plot.setMinimumHeight(360)  # eight small plots stay readable; the dock scrolls

        self._lay_out()
        self._n_changed()

    def _lay_out(self) -> None:
        top = QWidget()
        form = QHBoxLayout()
        form.addWidget(QLabel("samples"))
        form.addWidget(self.n)
        form.addWidget(self.auto)
        form.addStretch(1)
        column = QVBoxLayout(top)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(form)
        column.addWidget(self.n_note)
        column.addWidget(self.controls)
        column.addWidget(self.table, 1)

        bottom = QWidget()
        column = QVBoxLayout(bottom)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(hbox(QLabel("sweep"), self.param, self.range, stretch=-1))
        column.addWidget(self.sweep_controls)
        column.addWidget(self.plot, 1)

        self.splitter = named(QSplitter(Qt.Orientation.Vertical), "qualitySplitter")
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)

    # -------------------------------------------------------------- state
    def busy(self) -> bool:
        return self.judge.busy() or any(r is not None and r.active for r in self._runs.values())

    def shutdown(self) -> None:
        """Stop every computation; the window then waits for the judge thread."""
        self._closed = True
        for kind in self._runs:
            self._cancel(kind)

    def _n_changed(self) -> None:
        n = self.n.value()
        self.n_note.setText(
            f"below {MIN_SAMPLES} samples the metrics are biased (FD most): "
            f"use {MIN_SAMPLES} or more to compare numbers"
            if n < MIN_SAMPLES
            else ""
        )
        self.n_note.setVisible(n < MIN_SAMPLES)
        self.stale = True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._wanted and self.auto.isChecked():
            self.refresh()

    # -------------------------------------------------------------- the table
    def resampled(self) -> None:
        """The window resampled: recompute now when this tab is on screen (and automatic),
        else when it is shown next."""
        self.stale = True
        self._wanted = True
        if self.isVisible() and self.auto.isChecked():
            self.refresh()

    def refresh(self) -> bool:
        """Recompute the table now (in the background); False when nothing can be."""
        inputs = self._inputs(self.controls)
        if inputs is None:
            return False
        self.stale = self._wanted = False
        run = self._runs["report"]
        if run is not None and run.active and run.preparing(inputs, self.n.value()):
            run.inputs = inputs  # the judge (maybe a classifier training) goes on
            return True
        self._start("report", inputs, None, self.controls, f"{self.n.value()} samples of "
                    f"{inputs.label} for {', '.join(s.name for s in inputs.slots)}")  # fmt: skip
        return True

    def _inputs(self, controls: TaskControls) -> Inputs | None:
        if self._closed:
            return None
        inputs = self.inputs()
        if inputs is None or not inputs.slots:
            controls.ended("load a model and fix the sampler parameters first", error=True)
            return None
        return inputs

    def _start(self, kind: str, inputs: Inputs, sweep, controls: TaskControls, what: str):
        self._cancel(kind, quiet=True)
        old = self._runs[kind]
        if old is not None:
            old.deleteLater()  # it holds its decodes
        run = QualityRun(kind, inputs, self.n.value(), self.judge, self.runner, controls, sweep,
                         self)  # fmt: skip
        run.ended.connect(lambda result, text, error, k=kind: self._ended(k, result, error))
        self._runs[kind] = run
        controls.started(what)
        controls.status.setStyleSheet("")
        run.start()
        self.changed.emit()

    def _cancel(self, kind: str, quiet: bool = False) -> None:
        run = self._runs.get(kind)
        if run is not None and run.active:
            run.cancel()
            if quiet:
                run.controls.status.setText("")
            self.changed.emit()

    def _ended(self, kind: str, result: Any, error: bool) -> None:
        if not error:
            if kind == "report":
                self.report = result
                self.show_report(result)
            else:
                self.sweep_result = result
                self.plot.show_figure(lambda fig: _draw(fig, result))
        self.changed.emit()

    def show_report(self, report: quality.QualityReport) -> None:
        by_slot = {row.source.removeprefix("slot "): row for row in report.models}
        for col, name in enumerate(COLUMNS):
            metrics = report.reference if name == REAL_COLUMN else None
            if name in by_slot:
                metrics = by_slot[name].metrics
            for row, metric in enumerate(METRICS):
                text = "" if metrics is None else fmt(metric, metrics.get(metric))
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        tips = {name: f"slot {name}: empty" for name in COLUMNS[:2]}
        tips.update({name: f"slot {name}: {row.name}" for name, row in by_slot.items()})
        tips[REAL_COLUMN] = (
            "the held-out real images against as many training images: the ceiling of every "
            f"metric; judged by {report.judge}"
        )
        for col, name in enumerate(COLUMNS):
            header = self.table.horizontalHeaderItem(col)
            assert header is not None, "made by setHorizontalHeaderLabels"
            header.setToolTip(tips[name])
            header.setText(f"{name}\n{by_slot[name].name}" if name in by_slot else name)
        self.table.setToolTip("\n".join(report.notes))

    # -------------------------------------------------------------- the sweep
    def sampler_changed(self, sampler: str, params: dict[str, Any] | None) -> None:
        """The sampler (or its parameters) changed: offer its numeric parameters."""
        self.stale = True
        self._params = dict(params or {})
        if sampler == self._sampler:
            return
        self._sampler = sampler
        numeric = [p.name for p in get_sampler(sampler).params if p.kind in quality.NUMERIC_KINDS]
        self.param.blockSignals(True)
        self.param.clear()
        self.param.addItems(numeric)
        self.param.blockSignals(False)
        has = bool(numeric)
        for widget in (self.param, self.range, self.sweep_controls.run_button):
            widget.setEnabled(has)
        self.param.setToolTip(
            "the sampler parameter to sweep"
            if has
            else f"the {sampler} sampler has no numeric parameter to sweep"
        )
        self._param_changed(self.param.currentText())

    def _param_changed(self, name: str) -> None:
        if not name:
            self.range.setText("")
            return
        p = next(p for p in get_sampler(self._sampler).params if p.name == name)
        value = self._params.get(p.key, p.default)
        self.range.setText(default_range(p, value))

    def _sweep_clicked(self) -> None:
        self.run_sweep(self.param.currentText(), self.range.text())

    def run_sweep(self, param: str, text: str) -> bool:
        """Sweep ``param`` of the current sampler over ``text`` (``LO:HI:STEP``); False (and
        one red status line) when they are invalid."""
        controls = self.sweep_controls
        inputs = self._inputs(controls)
        if inputs is None:
            return False
        try:
            quality.check_sweep(inputs.sampler, param)
            values = parse_range(param, text)
        except InvalidParameter as exc:
            controls.ended(f"error: {str(exc).replace('--sweep ', '')}", error=True)
            return False
        if self.param.currentText() != param and self.param.findText(param) >= 0:
            self.param.setCurrentText(param)
        self.range.setText(text)
        self._start("sweep", inputs, (param, values), controls,
                    f"sweeping {param} over {len(values)} values")  # fmt: skip
        return True


def _draw(fig, sweep: quality.Sweep) -> None:
    draw_sweep(fig, sweep)  # it lays the figure out itself
