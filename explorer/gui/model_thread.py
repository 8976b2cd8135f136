"""One dedicated thread per model slot: it loads the model and does all its encode/decode.

TensorFlow models are not safe to use from two threads, so every call on a slot's model
runs on that slot's :class:`ModelWorker` thread. The window talks to it through a
:class:`ModelController` (main thread): ``request(op, payload, ...)`` returns a request id;
a newer request of the same op supersedes older ones (queued ones are skipped, results of
running ones dropped). TensorFlow is imported here, inside the worker, never at module level.

The two model threads also never run TensorFlow at the same moment: every op holds
:data:`TF_LOCK`. That is a precaution (Keras 3 keeps some global state; concurrent
tracing is not documented as safe) that costs little on a 2-core machine; each model is
still touched by its own thread only. See :class:`ModelThread` for why the thread's event
loop runs inside Python.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from explorer.core.errors import Cancelled, ExplorerError
from explorer.core.progress import TaskState
from explorer.gui.workers import error_text, register_thread

TF_LOCK = threading.Lock()


def _load(worker: ModelWorker, state: TaskState, p: dict) -> dict:
    from explorer.core.data.sources import open_dataset
    from explorer.core.latent.encoding import encode_dataset
    from explorer.core.model.model_files import UntrustedModelCode
    from explorer.core.model.store import load_model
    from explorer.core.util import heap

    if worker.model is not None:
        heap.unsettle()  # the model this slot had becomes garbage: let it be collected
    state.set_progress(0.02, "loading TensorFlow and the model")
    try:
        with heap.paused():  # loading makes many objects and little garbage (see heap)
            model = load_model(p.get("spec"), p.get("encoder"), p.get("decoder"), load_options(p))
    except UntrustedModelCode as exc:  # the window asks the user, then loads again
        return {"untrusted": str(exc.path), "message": str(exc)}
    state.check()
    state.set_progress(0.3, f"opening data set {p['dataset']}")
    ds = open_dataset(p["dataset"], model.input_shape, data_range=p.get("data_range"))
    progress = TaskState(_scaled(state, 0.3, 1.0))
    enc = encode_dataset(model, ds, state=progress, cache=p.get("cache", True))
    worker.model = model  # only a complete load replaces the model the slot had
    heap.settle()  # TensorFlow and the model stay: keep full collections short (see heap)
    return {"model": model, "dataset": ds, "encodings": enc, "data_note": ds.value_note}


def load_options(source: dict):
    """The core's load options from a slot's source (``trust``, ``input_range``,
    ``output_range`` keys, each optional)."""
    from explorer.core.model.pair import LoadOptions

    def pair(key):
        value = source.get(key)
        return tuple(value) if value is not None else None

    return LoadOptions(
        trust=bool(source.get("trust")),
        input_range=pair("input_range"),
        output_range=pair("output_range"),
    )


def _scaled(state: TaskState, low: float, high: float) -> Callable[[float, str], None]:
    def report(fraction: float, message: str) -> None:
        state.check()
        state.set_progress(low + (high - low) * fraction, message)

    return report


def _render(worker: ModelWorker, state: TaskState, p: dict) -> Any:
    from explorer.core.latent.grids import render

    return render(worker.require(), p["samples"], p["spec"], state=state)


def _reconstruct(worker: ModelWorker, state: TaskState, p: dict) -> np.ndarray:
    from explorer.core.latent.encoding import decode, encode_batch

    model = worker.require()
    x = np.asarray(p["image"], dtype=np.float32)[None] / 255.0
    codes = encode_batch(model, x)
    return decode(model, codes.get("mu", codes["z"]))[0]


def _clear(worker: ModelWorker, state: TaskState, p: dict) -> None:
    worker.model = None


OPS = {"load": _load, "render": _render, "reconstruct": _reconstruct, "clear": _clear}


class ModelThread(QThread):
    """A QThread whose event loop runs inside one Python call.

    With the default ``run()`` every queued slot call enters Python afresh, and Python
    discards the thread's state (``threading.local`` data) in between. TensorFlow and Keras
    keep per-thread state (default graph, eager context), so losing it between the load
    and the first decode crashed the process. Running ``exec()`` from Python keeps one
    thread state for the thread's whole life.
    """

    def run(self) -> None:
        self.exec()


class ModelWorker(QObject):
    """Owns one model; runs requests in its thread, one at a time."""

    result = Signal(int, str, object)
    failed = Signal(int, str, str)
    skipped = Signal(int, str)
    progress = Signal(int, float, str)

    def __init__(self, latest: dict[str, int]) -> None:
        super().__init__()
        self.model: Any = None
        self._latest = latest  # op -> newest request id, written by the controller

    def require(self) -> Any:
        from explorer.core.errors import ModelLoadError

        if self.model is None:
            raise ModelLoadError("no model loaded in this slot")
        return self.model

    @Slot(int, str, object)
    def handle(self, req: int, op: str, payload: dict) -> None:
        state: TaskState = payload["state"]
        if self._latest.get(op) != req or state.stop_requested:
            self.skipped.emit(req, op)
            return
        try:
            with TF_LOCK:
                state.check()
                out = OPS[op](self, state, payload)
        except Cancelled:
            self.skipped.emit(req, op)
        except Exception as exc:  # shown in the window; the slot keeps its model
            if not isinstance(exc, ExplorerError):
                traceback.print_exc()
            self.failed.emit(req, op, error_text(exc))
        else:
            self.result.emit(req, op, out)


class ModelController(QObject):
    """Main-thread handle of a slot's model thread."""

    submit = Signal(int, str, object)
    changed = Signal()  # pending work started or ended

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._latest: dict[str, int] = {}
        self._pending: dict[int, tuple[str, TaskState, dict]] = {}
        self._next = 0
        self.thread = register_thread(ModelThread())
        self.thread.setObjectName(f"model-{name}")
        self.worker = ModelWorker(self._latest)
        self.worker.moveToThread(self.thread)
        self.submit.connect(self.worker.handle)
        self.worker.result.connect(self._on_result)
        self.worker.failed.connect(self._on_failed)
        self.worker.skipped.connect(self._on_skipped)
        self.worker.progress.connect(self._on_progress)
        self.thread.start()

    def busy(self) -> bool:
        return bool(self._pending)

    def request(
        self,
        op: str,
        payload: dict | None = None,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        on_progress: Callable[[float, str], None] | None = None,
    ) -> int:
        """Queue ``op`` on the model thread; stop and supersede the previous ``op`` request."""
        self.cancel(op)
        self._next += 1
        req = self._next
        self._latest[op] = req
        worker = self.worker
        state = TaskState(lambda f, m: worker.progress.emit(req, f, m))
        callbacks = {"done": on_done, "error": on_error, "progress": on_progress}
        self._pending[req] = (op, state, callbacks)
        self.submit.emit(req, op, {**(payload or {}), "state": state})
        self.changed.emit()
        return req

    def cancel(self, op: str | None = None) -> None:
        for pending_op, state, _ in self._pending.values():
            if op is None or pending_op == op:
                state.request_stop()
        if op is None:
            self._latest.clear()
        else:
            self._latest.pop(op, None)

    def _finish(self, req: int, op: str, kind: str, *values: Any) -> None:
        entry = self._pending.pop(req, None)
        current = self._latest.get(op) == req
        if entry is not None and current and entry[2].get(kind) is not None:
            entry[2][kind](*values)
        self.changed.emit()

    @Slot(int, str, object)
    def _on_result(self, req: int, op: str, out: Any) -> None:
        self._finish(req, op, "done", out)

    @Slot(int, str, str)
    def _on_failed(self, req: int, op: str, text: str) -> None:
        self._finish(req, op, "error", text)

    @Slot(int, str)
    def _on_skipped(self, req: int, op: str) -> None:
        self._finish(req, op, "skipped")

    @Slot(int, float, str)
    def _on_progress(self, req: int, fraction: float, message: str) -> None:
        entry = self._pending.get(req)
        if entry is not None and self._latest.get(entry[0]) == req and entry[2]["progress"]:
            entry[2]["progress"](fraction, message)

    def shutdown(self) -> None:
        """Stop pending work, end the thread and wait for it (a model load may take seconds)."""
        self.cancel()
        self.thread.quit()
        self.thread.wait()
        self._pending.clear()
