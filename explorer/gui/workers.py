"""Background work: one-off jobs on short-lived threads, and a thread registry for tests.

:class:`Runner` runs plain functions ``fn(state, *args)`` on their own ``QThread`` (a
``QObject`` worker moved to the thread). Every job belongs to a *channel*; starting a job
on a channel stops the previous one there and its result is dropped (request counter), so
only the latest request of a channel ever reaches the window. Workers get plain values and
send results, progress and errors as signals; they never touch a widget.

Every ``QThread`` the window creates is registered with :func:`register_thread`, so tests can
fail when one is still running afterwards (:func:`running_threads`).
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal, Slot

from explorer.core.errors import Cancelled, ExplorerError
from explorer.core.progress import TaskState

_THREADS: list[QThread] = []

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


def register_thread(thread: QThread) -> QThread:
    """Remember ``thread`` so tests can check that none is left running."""
    _THREADS[:] = [t for t in _THREADS if shiboken6.isValid(t)]
    _THREADS.append(thread)
    return thread


def running_threads() -> list[QThread]:
    """Registered threads that are still running (deleted ones are forgotten)."""
    _THREADS[:] = [t for t in _THREADS if shiboken6.isValid(t)]
    return [t for t in _THREADS if t.isRunning()]


def error_text(exc: BaseException) -> str:
    """One line for the user: the message of an ExplorerError, else type and message."""
    if isinstance(exc, ExplorerError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class Job(QObject):
    """Runs ``fn(state, *args)`` once in its thread and reports through signals."""

    progress = Signal(float, str)
    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, fn: Callable[..., Any], args: tuple, state: TaskState) -> None:
        super().__init__()
        self._fn, self._args, self.state = fn, args, state

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn(self.state, *self._args)
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:  # reported to the window, never raised into Qt
            if not isinstance(exc, ExplorerError):
                traceback.print_exc()
            self.failed.emit(error_text(exc))
        else:
            self.done.emit(result)


class Runner(QObject):
    """Starts jobs on channels; drops superseded results; tracks pending work."""

    changed = Signal()  # a job started or ended

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids: dict[str, int] = {}
        self._live: dict[int, tuple[QThread, Job, _Relay]] = {}
        self._next = 0

    def busy(self, channel: str | None = None) -> bool:
        if channel is None:
            return bool(self._live)
        return any(job.property("channel") == channel for _, job, _ in self._live.values())

    def current(self, channel: str, key: int) -> bool:
        return self._ids.get(channel) == key

    def start(
        self,
        channel: str,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        on_progress: Callable[[float, str], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
    ) -> int:
        """Run ``fn(state, *args)`` in a new thread; return its request id."""
        self.cancel(channel)
        self._next += 1
        key = self._next
        self._ids[channel] = key
        job = Job(fn, args, TaskState(lambda f, m: job.progress.emit(f, m)))
        job.setProperty("channel", channel)
        thread = register_thread(QThread())
        thread.setObjectName(f"job-{channel}-{key}")
        job.moveToThread(thread)
        thread.started.connect(job.run)

        relay = _Relay(self, key, channel, thread, on_done, on_error, on_progress, on_cancel)
        job.done.connect(relay.on_done)
        job.failed.connect(relay.on_error)
        job.cancelled.connect(relay.on_cancel)
        job.progress.connect(relay.on_progress)
        thread.finished.connect(relay.on_finished)
        self._live[key] = (thread, job, relay)
        thread.start()
        self.changed.emit()
        return key

    def _ended(self, key: int) -> None:
        thread, job, relay = self._live.pop(key, (None, None, None))
        if thread is not None:
            thread.wait()
            job.deleteLater()
            relay.deleteLater()
            thread.deleteLater()
        self.changed.emit()

    def cancel(self, channel: str) -> None:
        """Stop the job of ``channel`` (if any); its result will be dropped."""
        self._ids[channel] = -1
        for _, job, _ in self._live.values():
            if job.property("channel") == channel:
                job.state.request_stop()

    def shutdown(self) -> None:
        """Stop every job and wait for the threads."""
        for channel in list(self._ids):
            self.cancel(channel)
        for thread, _, _ in list(self._live.values()):
            thread.quit()
            thread.wait()


class _Relay(QObject):
    """Lives in the main thread: receives a job's signals (queued) and calls back there."""

    def __init__(self, runner: Runner, key, channel, thread, done, error, progress, cancel):
        super().__init__()
        self._runner, self._key, self._channel, self._thread = runner, key, channel, thread
        self._done, self._error, self._progress, self._cancel = done, error, progress, cancel

    def _finish(self, callback: Callable | None, *values: Any) -> None:
        self._thread.quit()
        if callback is not None and self._runner.current(self._channel, self._key):
            callback(*values)

    @Slot(object)
    def on_done(self, result: Any) -> None:
        self._finish(self._done, result)

    @Slot(str)
    def on_error(self, text: str) -> None:
        self._finish(self._error, text)

    @Slot()
    def on_cancel(self) -> None:
        self._finish(self._cancel)

    @Slot(float, str)
    def on_progress(self, fraction: float, message: str) -> None:
        if self._progress is not None and self._runner.current(self._channel, self._key):
            self._progress(fraction, message)

    @Slot()
    def on_finished(self) -> None:
        self._runner._ended(self._key)
