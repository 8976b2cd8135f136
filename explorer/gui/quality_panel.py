"""The Quality tab of the Diagnostics dock: measured sample quality of A and B for the
current sampler (:mod:`explorer.core.stats.quality`), and a sweep of one sampler parameter.

Nothing here blocks the GUI thread. One evaluation is a chain of tasks:

1. the *judge* (the data set's classifier, or pixel principal components without labels)
   and the held-out real images' features, on the panel's own judge thread
   (:func:`judge_controller`; cached per data set and sample count, so after the first time
   a resample costs only the decodes; a labelled data set without a cached classifier
   trains one here, with progress and cancel);
2. the sampler's z-points of every slot, on a :class:`~explorer.gui.workers.Runner` job
   (numpy only);
3. each slot's decodes on that slot's model thread (an op of its own, so a map selection
   being decoded at the same time does not supersede it, nor the reverse);
4. the decodes judged on the judge thread.

TensorFlow runs of two threads never overlap: the judge thread holds the shared
:data:`~explorer.gui.model_thread.TF_LOCK` like the model threads, and lets it go between
the batches of a classifier training so the grids keep decoding meanwhile.

Script API: :meth:`QualityPanel.refresh`, :meth:`QualityPanel.run_sweep`, ``report`` (the
last :class:`~explorer.core.stats.quality.QualityReport`) and ``sweep_result`` (the last
:class:`~explorer.core.stats.quality.Sweep`).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
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
from explorer.core.progress import TaskState
from explorer.core.stats import quality
from explorer.core.stats.quality_metrics import METRICS, MIN_SAMPLES
from explorer.core.util import heap
from explorer.gui.model_thread import TF_LOCK, ModelController, ModelWorker
from explorer.gui.object_names import named
from explorer.gui.plot_renderer import RenderedPlot
from explorer.gui.task_controls import TaskControls
from explorer.gui.workers import Runner, Task

# The decodes of the quality table and of the sweep: ops of their own on the model threads
REPORT_DECODE, SWEEP_DECODE = "quality_decode", "quality_sweep_decode"

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
DEFAULT_RANGES = {"limit": "0.5:8:0.5", "std": "0.25:3:0.25"}
PREPARE_SHARE = 0.2  # of a run's progress bar: the judge and the real images
MAX_REAL_SETS = 4  # real-image feature sets kept per judge thread
REAL_SEED = 0  # the real images do not change with the sampler's seed: cached per data set and n


def fmt(metric: str, value: float | None) -> str:
    """A table cell: 3 decimals (FD 1), "—" when the metric is not available."""
    if value is None or not math.isfinite(float(value)):
        return "—"
    return f"{value:.1f}" if metric == "fd" else f"{value:.3f}"


def default_range(name: str, kind: str, value: Any) -> str:
    """``LO:HI:STEP`` to sweep parameter ``name`` (of ``kind``) around its ``value``."""
    if name in DEFAULT_RANGES:
        return DEFAULT_RANGES[name]
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


@dataclass
class SlotInput:
    """What an evaluation needs of one loaded slot (plain values and its controller)."""

    name: str
    model_name: str
    z_dim: int
    dataset: Any
    data: Any  # explorer.core.stats.slots.SlotData
    controller: ModelController


@dataclass
class Inputs:
    """The current sampler and the loaded slots (see ``SamplingMixin.quality_inputs``)."""

    sampler: str
    params: dict[str, Any]  # by Param.key, as the sampler panel gives them
    seed: int
    label: str
    slots: list[SlotInput]


# ------------------------------------------------------------------ judge thread
def _ds_key(ds: Any) -> tuple:
    return (ds.name, len(ds), tuple(ds.image_shape))


def _gated(state: TaskState, low: float, high: float, prefix: str) -> TaskState:
    """A state for long TensorFlow work on the judge thread: progress goes to ``state``
    (scaled by :meth:`TaskState.sub`, cancel checked), and every report lets the model
    threads take TF_LOCK."""
    step = state.sub(low, high, prefix)

    def report(fraction: float, message: str) -> None:
        step.check()
        step.set_progress(fraction, message)
        TF_LOCK.release()  # held by ModelWorker.handle: let a waiting decode run a batch
        try:
            time.sleep(0.001)
        finally:
            TF_LOCK.acquire()

    return TaskState(report)


def _prepare(state: TaskState, worker: JudgeWorker, p: dict) -> dict:
    """The judge and the real images' features of ``p["dataset"]`` (cached), and the
    reference metrics."""
    ds, n, seed = p["dataset"], p["n"], p["seed"]
    key = _ds_key(ds)
    judge = worker.judges.get(key)
    if judge is None:
        state.set_progress(0.0, f"loading the judge of {ds.name}")
        judge = quality.make_judge(ds, _gated(state, 0.0, 0.5, ""), train_if_missing=False)
        if judge.kind != "classifier" and ds.labels is not None:
            state.set_progress(0.0, f"training a classifier for {ds.name} (first time only)")
            judge = quality.make_judge(
                ds, _gated(state, 0.0, 0.9, "training a classifier: "), train_if_missing=True
            )
        worker.judges[key] = judge
    real_key = (key, n, seed)
    if real_key not in worker.reals:
        state.set_progress(0.9, "judging the real images")
        real = quality.real_set(ds, judge, n, seed)
        worker.reals[real_key] = (real, quality.reference_metrics(real, judge.multilabel))
        while len(worker.reals) > MAX_REAL_SETS:
            worker.reals.popitem(last=False)
    worker.reals.move_to_end(real_key)
    real, reference = worker.reals[real_key]
    return {
        "key": real_key,
        "describe": judge.describe,
        "held_out": len(real.held_out),
        "reference": dict(reference),
    }


def _score(state: TaskState, worker: JudgeWorker, p: dict) -> quality.ModelQuality:
    """Decodes ``p["images"]`` judged against the real images of ``p["key"]``."""
    real, _ = worker.reals[p["key"]]
    judge = worker.judges[p["key"][0]]
    return quality.judged(p["name"], p["source"], p["images"], judge, real)


JUDGE_OPS = {"prepare": _prepare, "score": _score}


class JudgeWorker(ModelWorker):
    """Owns the judges (classifiers) and the real images' features; runs in its thread."""

    def __init__(self) -> None:
        super().__init__(JUDGE_OPS)
        self.judges: dict[tuple, quality.Judge] = {}
        self.reals: OrderedDict[tuple, tuple] = OrderedDict()

    def drop_model(self) -> None:
        """Also the judges (Keras classifiers), collected here, on their thread."""
        if self.judges or self.reals:
            self.judges.clear()
            self.reals.clear()
            heap.collect_here()
        super().drop_model()


def judge_controller(parent: QObject | None = None) -> ModelController:
    """The judge thread, seen from the GUI thread: a :class:`ModelController` (same
    ``request``/``cancel``/``busy``/``shutdown``) whose worker is a :class:`JudgeWorker`.
    Ops are ``"<run>:prepare"`` and ``"<run>:score"``, so the table's and the sweep's
    requests never supersede each other."""
    return ModelController("quality-judge", parent, worker=JudgeWorker())


# ------------------------------------------------------------------ z-points (job thread)
def sample_points(
    state: TaskState, inputs: Inputs, n: int, swept: tuple[str, float] | None = None
) -> dict[str, tuple[np.ndarray, dict]]:
    """``{slot: (z, sampler description)}``: ``n`` z-points of the sampler per slot (seeded,
    so the same z-points for slots of the same z_dim unless the sampler uses their data),
    with ``swept = (param, value)`` replacing one parameter."""
    from explorer.core.latent.sampling import LatentData
    from explorer.core.stats.slots import SamplerRequest, core_params

    request = SamplerRequest(inputs.sampler, inputs.params, 0, 0, inputs.seed, False)
    out = {}
    for s in inputs.slots:
        params = core_params(request, s.data)
        if swept is not None:
            name, value = swept
            kind = next(p.kind for p in get_sampler(inputs.sampler).params if p.name == name)
            params[name] = int(round(value)) if kind in ("int", "axis") else float(value)
        samples = quality.sampled_z(
            inputs.sampler, n, s.z_dim, inputs.seed, LatentData.of(s.data), params
        )
        out[s.name] = (samples.z, samples.description)
        state.check()
    return out


# ------------------------------------------------------------------ one evaluation
class QualityRun(QObject):
    """One computation (the table's report, or a sweep): the chain of tasks of the module
    docstring. ``ended(result or None, status, error)`` once, unless cancelled first."""

    ended = Signal(object, str, bool)

    def __init__(
        self,
        kind: str,
        inputs: Inputs,
        n: int,
        judge: ModelController,
        runner: Runner,
        controls: TaskControls,
        sweep: tuple[str, np.ndarray] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.kind, self.inputs, self.n = kind, inputs, n
        self.judge, self.runner, self.controls = judge, runner, controls
        self.param: str | None
        self.values: np.ndarray | list[Any]  # swept; a report's one "value" is None
        self.param, self.values = sweep if sweep is not None else (None, [None])
        self.decode_op = SWEEP_DECODE if sweep is not None else REPORT_DECODE
        self.active = False
        self.prepared: dict = {}
        self.rows: list[list[quality.ModelQuality]] = []  # per value, per slot
        self.description: dict = {}
        self.started = time.perf_counter()
        self._task: Task | None = None
        self._step = 0  # value index
        self._points: dict = {}
        self._row: list[quality.ModelQuality] = []

    def preparing(self, inputs: Inputs, n: int) -> bool:
        """Whether this run still makes its judge for the same data set, n and seed (a newer
        request can then take it over instead of starting the judge again)."""
        same = (inputs.slots[0].dataset, n) == (self.inputs.slots[0].dataset, self.n)
        return same and not self.prepared

    # -------------------------------------------------------------- the chain
    def start(self) -> None:
        self.active = True
        ds = self.inputs.slots[0].dataset
        self._task = self.judge.request(
            f"{self.kind}:prepare",
            {"dataset": ds, "n": self.n, "seed": REAL_SEED},
            on_done=self._prepared,
            on_error=self._failed,
            on_progress=lambda f, m: self._progress(PREPARE_SHARE * f, m),
        )

    def _prepared(self, out: dict) -> None:
        if self.active:
            self.prepared = out
            self._sample()

    def _sample(self) -> None:
        value = self.values[self._step]
        swept = None if self.param is None else (self.param, float(value))
        self._progress(self._fraction(0), self._what("sampling"))
        self._task = self.runner.start(
            f"{self.kind}-points",
            sample_points,
            self.inputs,
            self.n,
            swept,
            on_done=self._sampled,
            on_error=self._failed,
        )

    def _sampled(self, points: dict) -> None:
        if not self.active:
            return
        self._points, self._row = points, []
        self.description = self.description or next(iter(points.values()))[1]
        self._decode()

    def _decode(self) -> None:
        s = self.inputs.slots[len(self._row)]
        self._progress(self._fraction(len(self._row)), self._what(f"{s.name}: decoding"))
        self._task = s.controller.request(
            self.decode_op,
            {"z": self._points[s.name][0]},
            on_done=self._decoded,
            on_error=self._failed,
        )

    def _decoded(self, images: np.ndarray) -> None:
        if not self.active:
            return
        s = self.inputs.slots[len(self._row)]
        self._progress(self._fraction(len(self._row) + 0.5), self._what(f"{s.name}: judging"))
        self._task = self.judge.request(
            f"{self.kind}:score",
            {"key": self.prepared["key"], "images": images, "name": s.model_name,
             "source": f"slot {s.name}"},
            on_done=self._scored,
            on_error=self._failed,
        )  # fmt: skip

    def _scored(self, row: quality.ModelQuality) -> None:
        if not self.active:
            return
        if self.param is not None:  # a sweep keeps the numbers, not every value's decodes
            row = quality.ModelQuality(
                row.name, row.source, row.metrics, row.images[:0], None, None
            )
        self._row.append(row)
        if len(self._row) < len(self.inputs.slots):
            self._decode()
            return
        self.rows.append(self._row)
        self._step += 1
        if self._step < len(self.values):
            self._sample()
        else:
            self._finish()

    # -------------------------------------------------------------- outcome
    def _finish(self) -> None:
        self.active = False
        self._task = None
        seconds = time.perf_counter() - self.started
        result: quality.QualityReport | quality.Sweep
        if self.param is None:
            result = self.report(seconds)
            text = (
                f"done in {seconds:.1f} s: {self.n} samples of {self.inputs.label}; "
                f"judged by {self.prepared['describe']}"
            )
        else:
            result = self.sweep()
            text = f"done in {seconds:.1f} s: {len(self.values)} values of {self.param}"
        self.controls.ended(text)
        self.ended.emit(result, text, False)

    def report(self, seconds: float) -> quality.QualityReport:
        notes = [f"{self.n} samples: the metrics are biased below {MIN_SAMPLES} (FD most)"]
        notes = notes if self.n < MIN_SAMPLES else []
        notes.append(f"judged by {self.prepared['describe']}")
        if self.prepared["held_out"] < self.n:
            notes.append(
                f"{self.prepared['held_out']} held-out real images (the data set holds out no more)"
            )
        return quality.QualityReport(
            reference=self.prepared["reference"],
            models=self.rows[0],
            sampler=self.description,
            n=self.n,
            judge=self.prepared["describe"],
            notes=notes,
            seconds=seconds,
        )

    def sweep(self) -> quality.Sweep:
        assert self.param is not None, "a sweep's run"
        models = []
        for k, s in enumerate(self.inputs.slots):
            metrics = {m: [row[k].metrics[m] for row in self.rows] for m in METRICS}
            models.append((s.model_name, metrics))
        return quality.Sweep(
            self.param, np.asarray(self.values), models, self.prepared["reference"],
            self.inputs.sampler,
        )  # fmt: skip

    def _failed(self, text: str) -> None:
        if self.active:
            self.active = False
            self._task = None
            self.controls.ended(f"error: {text}", error=True)
            self.ended.emit(None, text, True)

    def cancel(self) -> None:
        """Stop the chain; whatever runs is superseded (its result dropped)."""
        if not self.active:
            return
        self.active = False
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self.controls.ended("cancelled")

    # -------------------------------------------------------------- progress
    def _fraction(self, done_slots: float) -> float:
        units = len(self.values) * len(self.inputs.slots)
        done = self._step * len(self.inputs.slots) + done_slots
        return PREPARE_SHARE + (1 - PREPARE_SHARE) * done / units

    def _what(self, text: str) -> str:
        if self.param is None:
            return text
        return f"{self.param} = {float(self.values[self._step]):g}: {text}"

    def _progress(self, fraction: float, message: str) -> None:
        if self.active:
            self.controls.progress(fraction, message)


# ------------------------------------------------------------------ the panel
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
        row = QHBoxLayout()
        row.addWidget(QLabel("sweep"))
        row.addWidget(self.param)
        row.addWidget(self.range, 1)
        column = QVBoxLayout(bottom)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(row)
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
        self.range.setText(default_range(name, p.kind, value))

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
