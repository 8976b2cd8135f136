"""The training worker: runs :func:`explorer.core.training.training.train` on its own ``QThread``.

The worker owns the model it trains (``train`` builds or loads it in the worker's thread);
the window explores checkpoints through its own loaded copies, never this model. It receives
plain option values and reports through signals (all carry plain dicts or strings); it never
touches a widget. Cancel is :meth:`TaskState.request_stop`: training stops after the current
batch and keeps the last complete epoch's checkpoint.

TensorFlow runs of two models in two threads at the same moment crashed the process in
testing (see :mod:`explorer.gui.tasks.model_thread`), so the worker holds the shared ``TF_LOCK``
while a batch (or a validation batch) runs and lets it go between batches: exploring a
checkpoint waits for at most one batch, and training is never blocked for long.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

from explorer.core.progress import TaskState
from explorer.core.util import heap
from explorer.gui.tasks.model_thread import TF_LOCK
from explorer.gui.tasks.workers import Task


class TrainingEvents(QObject):
    """What a training reports while it runs; the worker emits them, the controller
    forwards them. Its outcome is its :class:`~explorer.gui.tasks.workers.Task`'s."""

    started = Signal(object)
    progress = Signal(object)
    epochCompleted = Signal(object)  # noqa: N815 - Qt signal naming

    NAMES = ("started", "progress", "epochCompleted")

    def forward_to(self, other: TrainingEvents) -> None:
        """Re-emit each of these signals as ``other``'s signal of the same name."""
        for name in self.NAMES:
            getattr(self, name).connect(getattr(other, name))


class TrainingWorker(TrainingEvents):
    """Trains one configuration when :meth:`run` is called in its thread.

    Signals (each carries a plain ``dict`` with a ``"job"`` key, or a message):

    ``started(dict)``
        the core's ``started`` event (device, epochs, initial_epoch, steps_per_epoch, ...).
    ``progress(dict)``
        each ``batch`` event, plus ``fraction`` (0..1 of the whole run).
    ``epochCompleted(dict)``
        each ``epoch`` event (``row`` with train and validation losses, ``checkpoint``).
    ``done()``
        always last, once the task has its outcome.

    The outcome is the ``task``'s (:class:`~explorer.gui.tasks.workers.Task`, created on the GUI
    thread): ``returned`` the result dict (``job``, ``status`` "finished" or "cancelled",
    ``bundle``, ``epochs_done``, ``history``), ``cancelled`` when stopped before it began,
    ``errored`` one line for the user (invalid settings, NaN loss, out of memory, a data set
    error). A training is stopped with ``task.state.request_stop()``, never ``task.cancel()``:
    a stopped training still delivers its result (its last checkpoint).

    ``strategy``: ``None`` (the options' ``strategy``, see
    :func:`explorer.core.runtime.devices.strategy_for`), a strategy's name, ``"default"``, a
    list of device names, or a ``tf.distribute.Strategy``. With ``in_child`` (and neither
    ``callbacks`` nor a ``strategy`` given) the training runs as the ``latent-explorer train``
    command in a child process (:mod:`explorer.core.training.training_process`; the window's
    default, see :class:`~explorer.gui.training.training_controller.TrainingController`); a
    ``multi-worker`` training always does.
    """

    done = Signal()

    def __init__(
        self,
        options: dict[str, Any],
        task: Task,
        job: int = 0,
        callbacks: list | None = None,
        strategy: Any = None,
        tf_lock: Any = None,
        in_child: bool = False,
    ) -> None:
        super().__init__()
        self.options = dict(options)
        self.job = job
        self.task: Task | None = task
        self.state = task.state
        self._callbacks = list(callbacks or [])
        self._strategy = strategy
        self._lock = tf_lock if tf_lock is not None else TF_LOCK
        self.in_child = in_child and not self._callbacks and strategy is None
        self.t_started: float | None = None

    def cancel(self) -> None:
        """Ask the training to stop after the current batch (thread-safe)."""
        self.state.request_stop()

    @Slot()
    def run(self) -> None:
        """Train (blocking, in the worker's thread) as the task, then emit ``done``. The
        model trained is collected here, on its thread, under the TensorFlow lock."""
        task, self.task = self.task, None  # this QObject ends in this thread: not the task
        assert task is not None, "a training worker runs once"
        try:
            task.run(self._train)
        finally:
            if not self.in_child:
                with self._lock:
                    heap.collect_here()
            # Back to the GUI thread before this thread ends: the controller deletes us
            # there. Deleted here, our QObject destructor (holding Qt's connection locks)
            # asks PySide for Python overrides, which needs the GIL, while the GUI thread
            # may hold the GIL and wait for one of those locks: a deadlock the stress run
            # met after 215 trainings.
            app = QCoreApplication.instance()
            if app is not None:
                self.moveToThread(app.thread())
            self.done.emit()

    def _train(self, state: TaskState) -> dict:
        from explorer.core.training.training import TrainConfig, train

        config = TrainConfig.from_options(**self.options)
        strategy = self._strategy
        if strategy is None and (self.in_child or config.strategy == "multi-worker"):
            return self._train_as_command(config, state)
        if strategy is None or isinstance(strategy, (str, list, tuple)):
            from explorer.core.runtime.devices import strategy_for

            # created in this thread, used only here; None: the form's strategy
            strategy = strategy_for(config.strategy if strategy is None else strategy)
        gate = _batch_gate(self._lock)
        try:
            result = train(
                config, state, self._on_event, callbacks=[gate, *self._callbacks], strategy=strategy
            )
        finally:
            gate.release_if_held()
        return result_dict(self.job, result.status, str(result.bundle), result.epochs_done,
                           result.history)  # fmt: skip

    def _train_as_command(self, config, state: TaskState) -> dict:
        """The training as the command in a child process: the window's default (see
        :class:`~explorer.gui.training.training_controller.TrainingController`), and a multi-worker
        training always (TensorFlow makes that strategy only before any other work in a
        process)."""
        from explorer.core.training.training_process import train_in_process

        out = train_in_process(config, state, self._on_event)
        return result_dict(self.job, out["status"], out["bundle"], out["epochs_done"],
                           out["history"])  # fmt: skip

    def _on_event(self, event: dict) -> None:
        kind = event["type"]
        event = {**event, "job": self.job}
        if kind == "batch":
            done = event["epoch"] * event["steps"] + event["batch"] + 1
            event["fraction"] = done / max(1, event["steps"] * event["epochs"])
            self.progress.emit(event)
        elif kind == "epoch":
            self.epochCompleted.emit(event)
        elif kind == "started":
            self.t_started = time.perf_counter()
            self.started.emit(event)


def result_dict(job: int, status: str, bundle: str, epochs_done, history) -> dict:
    """What a training's task returns (and the controller's ``finished``/``cancelled`` carry)."""
    return {
        "job": job,
        "status": status,
        "bundle": bundle,
        "epochs_done": epochs_done,
        "history": list(history),
    }


def _batch_gate(lock: Any) -> Any:
    """A Keras callback holding ``lock`` while each training or validation batch runs."""
    from explorer.core.runtime.tf_setup import keras

    k: Any = keras()

    class BatchGate(k.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.held = False

        def _acquire(self, *_args: Any, **_kwargs: Any) -> None:
            if not self.held:
                lock.acquire()
                self.held = True

        def release_if_held(self, *_args: Any, **_kwargs: Any) -> None:
            if self.held:
                self.held = False
                lock.release()

        on_train_batch_begin = _acquire
        on_test_batch_begin = _acquire
        on_train_batch_end = release_if_held
        on_test_batch_end = release_if_held

    return BatchGate()
