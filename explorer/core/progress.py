"""Progress reporting and cooperative cancellation for long work.

Long functions in the core take an optional ``state: TaskState``. They call
``state.set_progress(fraction, message)`` now and then and ``state.check()`` between
chunks; ``check`` raises :class:`~explorer.core.errors.Cancelled` once a stop was requested.
The GUI runs such functions in a worker and turns progress into signals; the CLI prints a
progress bar. ``TaskState()`` with no callback is a silent, never-cancelled default.
Work that has intermediate results (a t-SNE map as it forms) hands them to
``state.publish(value)``; the window shows them, everyone else ignores them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from explorer.core.errors import Cancelled

ProgressCallback = Callable[[float, str], None]
PartialCallback = Callable[[object], None]


class TaskState:
    """Progress sink and stop flag shared between a worker and whoever started it."""

    def __init__(
        self,
        on_progress: ProgressCallback | None = None,
        on_partial: PartialCallback | None = None,
    ) -> None:
        self._on_progress = on_progress
        self._on_partial = on_partial
        self._stop = threading.Event()

    def set_progress(self, fraction: float, message: str = "") -> None:
        """Report progress in [0, 1] with an optional message."""
        if self._on_progress is not None:
            self._on_progress(min(max(float(fraction), 0.0), 1.0), message)

    def publish(self, value: object) -> None:
        """Hand an intermediate result to whoever watches (a copy: it must not change later)."""
        if self._on_partial is not None:
            self._on_partial(value)

    def request_stop(self) -> None:
        """Ask the running work to stop at its next check (thread-safe)."""
        self._stop.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if a stop was requested."""
        if self._stop.is_set():
            raise Cancelled()

    def sub(self, start: float, end: float, prefix: str = "") -> TaskState:
        """A state for one step of a longer job: its progress 0..1 maps to ``start..end`` of
        this one, and it shares this one's stop flag."""
        child = TaskState(
            lambda f, msg: self.set_progress(start + (end - start) * f, prefix + msg),
            self._on_partial,
        )
        child._stop = self._stop
        return child


def ensure_state(state: TaskState | None) -> TaskState:
    """Return ``state`` or a silent default."""
    return state if state is not None else TaskState()
