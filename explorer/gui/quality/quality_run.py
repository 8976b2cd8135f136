"""One quality evaluation of the window, as a chain of tasks (see :mod:`.quality_panel`): the
judge and the real images' features on the judge thread, the z-points on a job, the decodes
on each slot's model thread, the judging on the judge thread again. What the Quality view
shows and asks for is in :mod:`.quality_panel`; this module runs it.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from explorer.core.latent.samplers import get_sampler
from explorer.core.progress import TaskState
from explorer.core.stats import quality
from explorer.core.stats.quality_metrics import METRICS, MIN_SAMPLES
from explorer.core.util import heap
from explorer.gui.tasks.model_thread import TF_LOCK, ModelController, ModelWorker
from explorer.gui.tasks.workers import Runner, Task
from explorer.gui.widgets.task_controls import TaskControls

# The decodes of the quality table and of the sweep: ops of their own on the model threads
REPORT_DECODE, SWEEP_DECODE = "quality_decode", "quality_sweep_decode"
PREPARE_SHARE = 0.2  # of a run's progress bar: the judge and the real images
MAX_REAL_SETS = 4  # real-image feature sets kept per judge thread
REAL_SEED = 0  # the real images do not change with the sampler's seed: cached per data set and n


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
    """The current sampler and the loaded slots (see ``Sampling.quality_inputs`` of the window)."""

    sampler: str
    params: dict[str, Any]  # by Param.key, as the sampler panel gives them
    seed: int
    label: str
    slots: list[SlotInput]


# ------------------------------------------------------------------ judge thread
def judge_key(ds: Any) -> str:
    """What the judge and the real images' features are cached under: the data set's
    fingerprint (its name, shape and size, and its pixels or files), so another data set
    of the same name and size is judged anew."""
    return ds.fingerprint()


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
    key = judge_key(ds)
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
        self.judges: dict[str, quality.Judge] = {}
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
