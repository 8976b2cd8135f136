"""The window's one worker API: every piece of background work is a :class:`Task`.

A :class:`Task` lives on the GUI thread and speaks for one piece of work done elsewhere, in
the spirit of superqt's ``WorkerBase``. Its signals are delivered on the GUI thread:
``started``, ``progress(fraction, message)`` and ``partial(value)`` (an intermediate result,
e.g. a live t-SNE frame, that the work hands to ``state.publish``), then one of ``returned(result)``,
``errored(text)`` or ``cancelled``, and last ``finished``. ``cancel()`` asks the work to stop
(:class:`~explorer.core.progress.TaskState`, checked inside the algorithms) and supersedes
it: a task that is cancelled, or replaced by a newer one on the same channel, still emits
``finished`` but never ``progress``, ``returned`` or ``errored``, so only the newest request
of a channel ever reaches the window. Workers get plain values and send plain values; they
never touch a widget. Exceptions take one path, :func:`report_error`: one line for the user,
plus a traceback on stderr when the error is not one of ours.

The executors differ only in where the work runs:

- :class:`Runner` (this module): plain functions ``fn(state, *args)``, one short-lived
  thread per task; one running task per channel.
- :class:`~explorer.gui.tasks.model_thread.ModelController`: one long-lived thread per model slot,
  because TensorFlow keeps per-thread state; one pending task per operation.
- :class:`~explorer.gui.training.training_controller.TrainingController`: a queue of trainings, one
  thread each; trainings report epochs and batches besides the task signals.
- :class:`~explorer.gui.plots.plot_renderer.PlotRenderer`: one thread that draws every plot,
  newest request per plot first.
- t-SNE and UMAP maps at scale run in a child process
  (:mod:`explorer.core.stats.projection_process`) from inside a :class:`Runner` task, so they
  report through the same signals, their live frames included (``partial``).
- :func:`jobs`: the process's shared :class:`Runner` for widgets that have no window to ask
  (the map's selection, dot drawing and hover index).

Threads: this module makes every thread of the window (:class:`WorkerThread`, through
:func:`start_thread`); no other module subclasses ``QThread`` or uses ``threading.Thread``.
Every executor registers itself (:func:`register_executor`) and every thread is registered:
:func:`await_workers` shuts them all down when the window closes, and tests fail when a
thread is still running afterwards (:func:`running_threads`).

Lifetimes: a :class:`Task` lives on the GUI thread and is emitted on from a worker thread.
It is deleted only by :meth:`Task.dispose`, which waits until the worker thread has
returned from its last emit (``released``): deleting it earlier crashed the process inside
that emit. A model is dropped and collected on the thread that used it
(:mod:`explorer.gui.tasks.model_thread`).
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
import weakref
from collections.abc import Callable
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import QEventLoop, QObject, Qt, QThread, QTimer, Signal, Slot

from explorer.core.errors import Cancelled, ExplorerError
from explorer.core.progress import TaskState

# How often a thread that wants the GIL makes the running one hand it over (Python's
# default: 5 ms). The window sets 1 ms (see favour_event_loop).
GIL_SWITCH_INTERVAL_S = 0.001


def favour_event_loop() -> None:
    """Make the GIL change hands every 1 ms instead of every 5 ms, for the GUI thread's sake.

    The event loop competes for the GIL with the model threads, the plot renderer, a
    training and the job threads. When the running thread is made to let go, whichever
    waiting thread the OS wakes first takes the GIL, so with two or three busy threads the
    GUI thread can lose several 5 ms rounds in a row. ``bench/bench_gui_latency.py
    --quick``, worst gap over 3 runs each, 5 ms vs 1 ms: loading the models 100-123 vs
    52-70 ms, a Gaussian-mixture resample 47-101 vs 28-29 ms. The workers spend their time
    in NumPy, TensorFlow and Agg calls, so they do not slow down measurably: training in
    the worker stayed as fast as a plain ``model.fit`` script (``bench/bench_training.py``).
    """
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)


def wait_until(done: Callable[[], bool], timeout_ms: int, poll_ms: int = 10) -> bool:
    """Run a nested event loop until ``done()`` (True) or ``timeout_ms`` passed (False).

    The loop sleeps until the next event (not a ``processEvents`` busy loop), looking at
    ``done`` every ``poll_ms``: it releases the GIL while waiting, so the workers run at
    full speed, and the window's timers and repaints keep their pace while a script, a
    test or an awaited renderer call waits."""
    if done():
        return True
    deadline = time.monotonic() + timeout_ms / 1000
    loop = QEventLoop()
    poll = QTimer(interval=poll_ms)

    def look() -> None:
        if done() or time.monotonic() > deadline:
            loop.quit()

    poll.timeout.connect(look)
    poll.start()
    loop.exec()
    poll.stop()
    return done()


def task_of(obj: QObject | None) -> Task:
    """The :class:`Task` that sent a signal (``self.sender()`` in an executor's slot)."""
    assert isinstance(obj, Task), f"a task's signal expected, sent by {obj!r}"
    return obj


def report_error(exc: BaseException) -> str:
    """The one error path of background work: one line for the user (the message of an
    :class:`ExplorerError`, else type and message); unexpected errors also print their
    traceback to stderr for a bug report."""
    if isinstance(exc, ExplorerError):
        return str(exc)
    traceback.print_exception(exc)
    return f"{type(exc).__name__}: {exc}"


# ------------------------------------------------------------------ registry
class Executor(Protocol):
    def busy(self) -> bool: ...
    def shutdown(self) -> Any: ...


_THREADS: list[QThread] = []
_EXECUTORS: weakref.WeakSet = weakref.WeakSet()


class WorkerThread(QThread):
    """The window's one kind of thread: runs ``target()`` once, or without a target an
    event loop for objects moved to it (a model worker, a training).

    The event loop runs inside one Python call (``exec()`` from ``run``): with Qt's default
    ``run()`` every queued slot call enters Python afresh and Python discards the thread's
    state (``threading.local`` data) in between. TensorFlow and Keras keep per-thread state
    (default graph, eager context), and losing it between a model's load and its first
    decode crashed the process.
    """

    def __init__(
        self,
        name: str,
        target: Callable[[], Any] | None = None,
        on_exit: Callable[[], Any] | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName(name)
        self._target, self._on_exit = target, on_exit
        # first of the slots run in the new thread as it starts (before ``run``)
        self.started.connect(self._name_thread, Qt.ConnectionType.DirectConnection)

    def _name_thread(self) -> None:
        threading.current_thread().name = self.objectName()  # stack samples, py-spy

    def run(self) -> None:
        try:
            if self._target is None:
                self.exec()
            else:
                target, self._target = self._target, None  # nothing of the job outlives it
                target()
        finally:
            if self._on_exit is not None:
                on_exit, self._on_exit = self._on_exit, None
                on_exit()


def start_thread(
    name: str, target: Callable[[], Any] | None = None, on_exit: Callable[[], Any] | None = None
) -> WorkerThread:
    """A registered :class:`WorkerThread` (not started: connect to it first, then
    ``start()``). ``on_exit()`` runs in the thread as its last act (e.g. dropping the model
    it owns)."""
    thread = WorkerThread(name, target, on_exit)
    _THREADS[:] = [t for t in _THREADS if shiboken6.isValid(t)]
    _THREADS.append(thread)
    return thread


def running_threads() -> list[QThread]:
    """Registered threads that are still running (deleted ones are forgotten)."""
    _THREADS[:] = [t for t in _THREADS if shiboken6.isValid(t)]
    return [t for t in _THREADS if t.isRunning()]


def register_executor(executor: Executor) -> None:
    """Let :func:`await_workers` shut ``executor`` down (held weakly)."""
    _EXECUTORS.add(executor)


def await_workers(executors: list[Executor] | None = None) -> bool:
    """Cancel and wait for the work of ``executors`` (default: every registered one, in
    the order they were registered); ``True`` when no registered thread is still running."""
    for executor in executors if executors is not None else list(_EXECUTORS):
        if shiboken6.isValid(executor):
            executor.shutdown()
    return not running_threads()


RELEASE_WAIT_S = 5.0  # a worker lets go of a task within microseconds of its last emit


# ------------------------------------------------------------------ the task
class Task(QObject):
    """One piece of background work, seen from the GUI thread (see the module docstring).

    ``run(fn, *args)`` is called by the executor in the worker thread: it calls
    ``fn(task.state, *args)`` and turns the outcome into the signals.
    """

    started = Signal()
    progress = Signal(float, str)
    partial = Signal(object)
    returned = Signal(object)
    errored = Signal(str)
    cancelled = Signal()
    finished = Signal()

    _report = Signal(str, object)  # emitted from any thread, handled on the GUI thread

    def __init__(self, channel: str = "", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.channel = channel
        self.superseded = False
        self.done = False
        self.state = TaskState(
            lambda f, m: self._report.emit("progress", (f, m)), self.send_partial
        )
        # set by the worker thread once it has made its last emit on this task
        self.released = threading.Event()
        self._report.connect(self._on_report, Qt.ConnectionType.QueuedConnection)

    def on(
        self,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        on_progress: Callable[[float, str], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
        on_partial: Callable[[Any], None] | None = None,
    ) -> Task:
        """Connect callbacks to ``returned``/``errored``/``progress``/``cancelled``/``partial``."""
        pairs = ((self.returned, on_done), (self.errored, on_error), (self.partial, on_partial))
        for signal, slot in (*pairs, (self.progress, on_progress), (self.cancelled, on_cancel)):
            if slot is not None:
                signal.connect(slot)
        return self

    def cancel(self) -> None:
        """Ask the work to stop; nothing but ``finished`` is emitted from now on."""
        self.superseded = True
        self.state.request_stop()

    # -------------------------------------------------------------- worker side
    def send_partial(self, value: Any) -> None:
        """Hand an intermediate result to the GUI thread (any thread; dropped once the task
        is superseded). Send copies: the work must not change ``value`` afterwards."""
        self._report.emit("partial", value)

    def run(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(self.state, *args)`` here (the worker thread) and report the outcome;
        the task is :attr:`released` when this returns."""
        try:
            self._report.emit("started", None)
            try:
                self.state.check()
                result = fn(self.state, *args)
            except Cancelled:
                self._report.emit("cancelled", None)
            except Exception as exc:  # reported to the window, never raised into Qt
                self._report.emit("errored", report_error(exc))
            else:
                self._report.emit("returned", result)
        finally:
            self.released.set()

    def skip(self) -> None:
        """End the task without running it (the executor found it cancelled)."""
        try:
            self._report.emit("cancelled", None)
        finally:
            self.released.set()

    def dispose(self) -> None:
        """Delete the task (GUI thread) once its worker has let go of it: at ``finished``
        the worker may still be returning from that very emit. Connected to ``finished``
        by every executor."""
        if not self.released.wait(RELEASE_WAIT_S):
            return  # still in use (never seen): its parent deletes it later
        self.deleteLater()

    # -------------------------------------------------------------- GUI side
    @Slot(str, object)
    def _on_report(self, kind: str, value: Any) -> None:
        if kind == "started":
            self.started.emit()
            return
        if self.superseded:
            if kind in ("progress", "partial"):
                return
        elif kind == "progress":
            self.progress.emit(*value)
            return
        elif kind == "partial":
            self.partial.emit(value)
            return
        elif kind == "returned":
            self.returned.emit(value)
        elif kind == "errored":
            self.errored.emit(value)
        else:
            self.cancelled.emit()
        self.done = True
        self.finished.emit()


# ------------------------------------------------------------------ one-off jobs
class Runner(QObject):
    """Runs plain functions ``fn(state, *args)`` as tasks, one thread each, one per channel."""

    changed = Signal()  # a task started or ended

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: dict[Task, WorkerThread] = {}
        register_executor(self)

    def busy(self, channel: str | None = None) -> bool:
        return any(channel is None or t.channel == channel for t in self._tasks)

    def start(self, channel: str, fn: Callable[..., Any], *args: Any, **callbacks: Any) -> Task:
        """Run ``fn(state, *args)`` in a new thread, superseding the task of ``channel``;
        ``callbacks``: ``on_done``, ``on_error``, ``on_progress``, ``on_cancel``
        (see :meth:`Task.on`)."""
        self.cancel(channel)
        task = Task(channel, self).on(**callbacks)
        thread = start_thread(f"job-{channel}", _job(task, fn, args))
        self._tasks[task] = thread
        task.finished.connect(self._ended)  # a bound method: a task never holds its parent
        thread.start()
        self.changed.emit()
        return task

    @Slot()
    def _ended(self) -> None:
        task = task_of(self.sender())
        thread = self._tasks.pop(task, None)
        if thread is not None:
            thread.wait()  # its last act was the report just delivered
            thread.deleteLater()
        task.dispose()
        self.changed.emit()

    def cancel(self, channel: str) -> None:
        """Stop the task of ``channel`` (if any); its result will be dropped."""
        for task in self._tasks:
            if task.channel == channel:
                task.cancel()

    def shutdown(self) -> None:
        """Stop every task and wait for the threads."""
        for task, thread in list(self._tasks.items()):
            task.cancel()
            thread.wait()


def _job(task: Task, fn: Callable[..., Any], args: tuple) -> Callable[[], None]:
    def run() -> None:
        task.run(fn, *args)

    return run


_JOBS: Runner | None = None


def jobs() -> Runner:
    """The process's shared :class:`Runner` (child of the application, made on first use)
    for widgets without a window of their own to ask: a map view's selection, dots and
    hover index. Channels are per widget (e.g. ``f"map-dots-{id(view)}"``)."""
    from PySide6.QtCore import QCoreApplication

    global _JOBS
    if _JOBS is None or not shiboken6.isValid(_JOBS):
        _JOBS = Runner(QCoreApplication.instance())
    return _JOBS
