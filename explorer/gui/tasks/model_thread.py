"""One dedicated thread per model slot: it loads the model and does all its encode/decode.

TensorFlow models are not safe to use from two threads, so every call on a slot's model
runs on that slot's :class:`ModelWorker` thread. The window talks to it through a
:class:`ModelController` (main thread): ``request(op, payload, ...)`` returns a
:class:`~explorer.gui.tasks.workers.Task`; a newer request of the same op supersedes older ones
(queued ones are skipped, results of running ones dropped). TensorFlow is imported here, inside the worker, never at module level.

The two model threads also never run TensorFlow at the same moment: every op holds
:data:`TF_LOCK`. That is a precaution (Keras 3 keeps some global state; concurrent
tracing is not documented as safe) that costs little on a 2-core machine; each model is
still touched by its own thread only (the thread is a
:class:`~explorer.gui.tasks.workers.WorkerThread`: see there why its event loop runs inside Python).
A model the slot drops (replaced, cleared, the window closing) is collected on its thread
(:func:`explorer.core.util.heap.collect_here`), never by a collection on the GUI thread.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from explorer.core.progress import TaskState
from explorer.core.util import heap
from explorer.gui.tasks.workers import Task, register_executor, start_thread, task_of

TF_LOCK = threading.Lock()


def _load(state: TaskState, worker: ModelWorker, p: dict) -> dict:
    from explorer.core.data.sources import open_dataset
    from explorer.core.latent.encoding import encode_dataset
    from explorer.core.model.keras_files import UntrustedModelCode
    from explorer.core.model.store import load_model

    state.set_progress(0.02, "loading TensorFlow and the model")
    try:
        with heap.quiet():  # loading makes many objects and little garbage (see heap)
            model = load_model(p.get("spec"), p.get("encoder"), p.get("decoder"), load_options(p))
    except UntrustedModelCode as exc:  # the window asks the user, then loads again
        return {"untrusted": str(exc.path), "message": str(exc)}
    state.check()
    state.set_progress(0.3, f"opening data set {p['dataset']}")
    ds = open_dataset(p["dataset"], model.input_shape, data_range=p.get("data_range"))
    enc = encode_dataset(model, ds, state=state.sub(0.3, 1.0), cache=p.get("cache", True))
    worker.drop_model()  # only a complete load replaces the model the slot had
    worker.model = model
    from explorer.core.data.pipeline import unreadable_summary

    skipped = unreadable_summary(ds) if ds.streamed else ""
    note = "; ".join(n for n in (ds.value_note, enc.note, skipped) if n)  # the status bar
    return {"model": model, "dataset": ds, "encodings": enc, "data_note": note}


def load_options(source: dict):
    """The core's load options from a slot's source (``trust``, ``model_code``,
    ``input_range``, ``output_range`` keys, each optional)."""
    from explorer.core.model.pair import LoadOptions

    def pair(key):
        value = source.get(key)
        return tuple(value) if value is not None else None

    return LoadOptions(
        trust=bool(source.get("trust")),
        code=source.get("model_code"),
        input_range=pair("input_range"),
        output_range=pair("output_range"),
    )


def _render(state: TaskState, worker: ModelWorker, p: dict) -> Any:
    from explorer.core.latent.grids import render

    return render(worker.require(), p["samples"], p["spec"], state=state)


def _reconstruct(state: TaskState, worker: ModelWorker, p: dict) -> Any:
    """The core's reconstruction (a VAE from mu) of uint8 ``images`` (n, h, w, c)."""
    from explorer.core.latent.reconstruct import reconstruct

    return reconstruct(worker.require(), p["images"])


def _decode(state: TaskState, worker: ModelWorker, p: dict) -> np.ndarray:
    """Pixels (n, h, w, c) of the z-points ``z`` (n, z_dim), decoded by this slot's model."""
    from explorer.core.latent.encoding import decode

    return decode(worker.require(), np.asarray(p["z"], dtype=np.float32))


def _read_files(state: TaskState, worker: ModelWorker, p: dict) -> np.ndarray:
    """Image files as uint8 at this slot's input shape, read as folders are for training
    (TensorFlow's decoding, so on a model thread)."""
    from explorer.core.latent.reconstruct import read_files

    return read_files(p["files"], worker.require().input_shape)


def _clear(state: TaskState, worker: ModelWorker, p: dict) -> None:
    worker.drop_model()


OPS = {
    "load": _load,
    "render": _render,
    "reconstruct": _reconstruct,  # one image, for the map
    "reconstructions": _reconstruct,  # a set, for the reconstructions view
    "decode": _decode,  # a few z-points (the map's selection)
    # the quality table's and sweep's decodes: ops of their own, since a newer request of an
    # op supersedes older ones and sharing "decode" would make each cancel the other
    "quality_decode": _decode,
    "quality_sweep_decode": _decode,
    "read_files": _read_files,
    "clear": _clear,
}


class ModelWorker(QObject):
    """Owns one model; runs requests in its thread, one at a time. ``ops``: op name ->
    ``fn(state, worker, payload)``; a request ``"<tag>:<op>"`` runs ``op``."""

    def __init__(self, ops: dict | None = None) -> None:
        super().__init__()
        self.model: Any = None
        self.ops = OPS if ops is None else ops

    def drop_model(self) -> None:
        """Forget the model and collect it here, on its thread (see :mod:`heap`)."""
        if self.model is not None:
            self.model = None
            heap.collect_here()

    def release(self) -> None:
        """The thread's last act (its event loop has ended): drop the model here."""
        with TF_LOCK:
            self.drop_model()

    def require(self) -> Any:
        from explorer.core.errors import ModelLoadError

        if self.model is None:
            raise ModelLoadError("no model loaded in this slot")
        return self.model

    @Slot(object, str, object)
    def handle(self, task: Task, op: str, payload: dict) -> None:
        if task.state.stop_requested:  # superseded while it waited in the queue
            task.skip()
            return
        with TF_LOCK:
            task.run(self.ops[op.rpartition(":")[2]], self, payload)


class ModelController(QObject):
    """Main-thread handle of a slot's model thread: an executor of the worker API."""

    submit = Signal(object, str, object)
    changed = Signal()  # pending work started or ended

    def __init__(
        self, name: str, parent: QObject | None = None, worker: ModelWorker | None = None
    ) -> None:
        """``worker``: what runs the requests in the thread (default: a slot's
        :class:`ModelWorker`; a subclass with ops of its own, e.g. the quality judge's)."""
        super().__init__(parent)
        self._pending: dict[Task, str] = {}  # task -> op
        self.worker = worker if worker is not None else ModelWorker()
        self._thread = start_thread(
            name if worker is not None else f"model-{name}",
            on_exit=self.worker.release,  # in the thread, as it ends
        )
        self.worker.moveToThread(self._thread)
        self.submit.connect(self.worker.handle)
        self._thread.start()
        register_executor(self)

    def busy(self) -> bool:
        return bool(self._pending)

    def request(self, op: str, payload: dict | None = None, **callbacks: Any) -> Task:
        """Queue ``op`` on the model thread; stop and supersede the previous ``op`` request.
        ``callbacks``: ``on_done``, ``on_error``, ``on_progress`` (see :meth:`Task.on`)."""
        self.cancel(op)
        task = Task(op, self).on(**callbacks)
        self._pending[task] = op
        task.finished.connect(self._ended)  # a bound method: a task never holds its parent
        self.submit.emit(task, op, dict(payload or {}))
        self.changed.emit()
        return task

    @Slot()
    def _ended(self) -> None:
        task = task_of(self.sender())
        self._pending.pop(task, None)
        task.dispose()
        self.changed.emit()

    def cancel(self, op: str | None = None) -> None:
        for task, pending_op in self._pending.items():
            if op is None or pending_op == op:
                task.cancel()

    def shutdown(self) -> None:
        """Stop pending work, end the thread and wait for it (a model load may take seconds)."""
        self.cancel()
        self._thread.quit()
        self._thread.wait()
        self._pending.clear()
