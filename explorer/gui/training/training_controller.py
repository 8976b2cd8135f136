"""Main-thread handle of training: validates settings, queues trainings, runs one at a time.

Each training is a :class:`~explorer.gui.tasks.workers.Task` of the worker API, run by a
:class:`~explorer.gui.training.training_worker.TrainingWorker` on a thread of its own
(:func:`explorer.gui.tasks.workers.start_thread`), which by default runs it as a
``latent-explorer train`` process and follows its events (see ``in_child`` below); the
task's outcome becomes ``finished``,
``cancelled`` or ``failed`` here, its batch and epoch events are forwarded. Settings are
checked with :meth:`TrainConfig.validate` before anything is queued, so invalid settings
never start a thread. The window connects the signals below and calls :meth:`shutdown` when
it closes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QObject,
    Qt,
    QThread,
    Signal,
    Slot,
)

from explorer.core.errors import InvalidParameter
from explorer.core.training.train_start import check_start, output_key
from explorer.gui.tasks.workers import Task, register_executor, start_thread, wait_until
from explorer.gui.training.training_worker import TrainingEvents, TrainingWorker, result_dict


@dataclass
class _Job:
    id: int
    options: dict[str, Any]
    callbacks: list = field(default_factory=list)
    strategy: Any = None

    def describe(self) -> dict[str, Any]:
        o = self.options
        what = "resume" if o.get("resume") else str(o.get("kind", "vae")).upper()
        return {"job": self.id, "out": str(o.get("out", "")), "what": what,
                "epochs": o.get("epochs")}  # fmt: skip


class TrainingController(TrainingEvents):
    """Queue of trainings, one running at a time (signals carry plain dicts with ``"job"``).

    Signals
    -------
    started(dict), progress(dict), epochCompleted(dict), finished(dict), cancelled(dict),
    failed(str)
        forwarded from the running worker (see :class:`TrainingWorker`).
    queueChanged(list)
        the running job first (if any), then the queued ones: ``{"job", "out", "what",
        "epochs", "running"}`` each.
    busyChanged(bool)
        a training started running / the last one ended.

    ``strategy``: how every training uses the devices (``None``: as its options' ``strategy``
    says; see :class:`TrainingWorker`).

    ``in_child`` (default): a training runs as the command in a child process, not in a
    thread of the window's process. A training traces and builds graphs in Python for
    seconds and leaves garbage whose collection holds the interpreter lock for 0.1 s at a
    time (and TensorFlow keeps each training's graphs for good, about 27k objects, which
    every later collection walks): in the window's process that stalled the event loop;
    in a process of its own it cannot. The events are the same JSON lines other machines
    send. A training with ``callbacks`` or ``devices`` (Python objects) runs in-process.
    """

    finished = Signal(object)
    cancelled = Signal(object)
    failed = Signal(str)
    queueChanged = Signal(list)  # noqa: N815
    busyChanged = Signal(bool)  # noqa: N815

    def __init__(
        self, parent: QObject | None = None, strategy: Any = None, in_child: bool = True
    ) -> None:
        super().__init__(parent)
        self._strategy = strategy
        self.in_child = in_child
        self._queue: list[_Job] = []
        self._current: tuple[_Job, QThread, TrainingWorker, Task] | None = None
        self._next_id = 0
        self._closing = False
        register_executor(self)

    # ----------------------------------------------------------------- queries
    def busy(self) -> bool:
        """A training is running or queued."""
        return self._current is not None or bool(self._queue)

    def is_running(self) -> bool:
        return self._current is not None

    def running_job(self) -> int | None:
        return self._current[0].id if self._current is not None else None

    def queued_jobs(self) -> list[int]:
        return [job.id for job in self._queue]

    def current_thread(self) -> QThread | None:
        return self._current[1] if self._current is not None else None

    def pending_outs(self) -> set[str]:
        jobs = [*([self._current[0]] if self._current else []), *self._queue]
        return {output_key(j.options["out"]) for j in jobs if j.options.get("out")}

    def validate(self, **options: Any) -> None:
        """Raise :class:`InvalidParameter` if ``start_training(**options)`` would refuse."""
        check_start(options, self.pending_outs())

    # ----------------------------------------------------------------- commands
    def start_training(
        self, *, callbacks: list | None = None, devices: Any = None, **options: Any
    ) -> int:
        """Queue a training with ``latent-explorer train`` options; return its job id.

        Raises :class:`InvalidParameter` (nothing is queued, no thread starts) when the
        settings are invalid. ``callbacks``: extra Keras callbacks (tests, e.g. poisoning
        weights); ``devices``: a ``tf.distribute`` strategy or device names (default: the
        controller's; the option ``strategy`` is the command line's, by name).
        """
        if self._closing:
            raise InvalidParameter("the training queue is shut down")
        self.validate(**options)
        self._next_id += 1
        job = _Job(self._next_id, dict(options), list(callbacks or []), devices)
        self._queue.append(job)
        self._emit_queue()
        self._start_next()
        return job.id

    def cancel_training(self, job: int | None = None) -> None:
        """Stop the running training after its current batch (``job=None``), or drop a job:
        the running one is stopped, a queued one removed from the queue."""
        if job is not None:
            before = len(self._queue)
            self._queue = [j for j in self._queue if j.id != job]
            if len(self._queue) != before:
                self._emit_queue()
                return
        if self._current is not None and (job is None or self._current[0].id == job):
            self._stop_current()

    def clear_queue(self) -> None:
        """Drop every queued (not yet running) training."""
        if self._queue:
            self._queue.clear()
            self._emit_queue()

    def wait_training(self, timeout_ms: int = 30000) -> bool:
        """Run the event loop until the running and queued trainings have ended; ``False``
        if ``timeout_ms`` passed first.

        A nested ``QEventLoop`` that sleeps until the next event, polled every 10 ms: the
        window's timers and repaints keep their pace while a script or test waits (waiting
        on the worker thread in 20 ms slices instead made every event wait up to 21 ms).
        """
        return wait_until(lambda: not self.busy(), timeout_ms)

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Cancel everything and wait for the worker thread (for the window's close);
        return ``False`` if it did not end within ``timeout_ms``."""
        self._closing = True
        self.clear_queue()
        if self._current is None:
            return True
        job, thread, _, task = self._current
        self._stop_current()
        if not thread.wait(timeout_ms):
            return False
        app = QCoreApplication.instance()
        if app is not None:  # deliver the worker's last signals before cleaning up
            app.sendPostedEvents(self)  # its events, then its outcome
            app.sendPostedEvents(task)
        if self._current is not None and self._current[0] is job:
            self._on_thread_finished()
        return True

    # ----------------------------------------------------------------- internals
    def _stop_current(self) -> None:
        # stop, never cancel(): a stopped training still reports its result (the task's
        # TaskState is plain Python, usable even once the thread has deleted the worker)
        if self._current is not None:
            self._current[3].state.request_stop()

    def _emit_queue(self) -> None:
        rows = []
        if self._current is not None:
            rows.append({**self._current[0].describe(), "running": True})
        rows.extend({**j.describe(), "running": False} for j in self._queue)
        self.queueChanged.emit(rows)

    def _start_next(self) -> None:
        if self._current is not None or not self._queue or self._closing:
            return
        job = self._queue.pop(0)
        thread = start_thread(f"training-{job.id}")
        strategy = job.strategy if job.strategy is not None else self._strategy
        task = self._task_of(job)
        worker = TrainingWorker(
            job.options, task, job.id, job.callbacks, strategy, in_child=self.in_child
        )
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.done.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        worker.forward_to(self)
        thread.finished.connect(self._on_thread_finished)
        self._current = (job, thread, worker, task)
        self._emit_queue()
        self.busyChanged.emit(True)
        thread.start()

    def _task_of(self, job: _Job) -> Task:
        """The job as a task of the worker API; its outcome becomes our signals. (Bound
        methods, not lambdas holding ``self``: a task must never keep its parent alive.)"""
        task = Task(f"training-{job.id}", self)
        task.setProperty("job", job.id)
        task.setProperty("out", str(job.options.get("out", "")))
        task.returned.connect(self._on_task_returned)
        task.errored.connect(self.failed)
        task.cancelled.connect(self._on_task_cancelled)
        task.finished.connect(task.dispose)
        return task

    @Slot(object)
    def _on_task_returned(self, out: dict) -> None:
        (self.cancelled if out["status"] == "cancelled" else self.finished).emit(out)

    @Slot()
    def _on_task_cancelled(self) -> None:  # stopped before it began
        task = self.sender()
        self.cancelled.emit(
            result_dict(task.property("job"), "cancelled", task.property("out"), None, [])
        )

    @Slot()
    def _on_thread_finished(self) -> None:
        # one thread at a time: the current one is the one that finished (a stale, queued
        # notification after shutdown() cleaned up finds a running thread or none)
        if self._current is None or not self._current[1].isFinished():
            return
        thread, worker = self._current[1], self._current[2]
        thread.wait()
        self._current = None
        worker.deleteLater()  # on this (GUI) thread: the worker moved here as it ended
        thread.deleteLater()
        self._emit_queue()
        if self._queue and not self._closing:
            self._start_next()
        else:
            self.busyChanged.emit(False)
