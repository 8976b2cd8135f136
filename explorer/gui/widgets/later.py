"""Calls made a little later: debounced (after the last request) or throttled (at most once
per interval). The window's one way to coalesce bursts of requests into one piece of work.

Why not superqt's ``qdebounced``/``qthrottled``, which do the same: importing any part of
superqt runs its package ``__init__``, which imports all its widgets and qtpy: 0.24-0.33 s
before the window can appear (measured on this 2-core machine), where the window otherwise
appears in about 0.3 s (``bench/bench_gui_latency.py``, "window created").
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer


class Later(QObject):
    """``later()`` asks for ``fn()`` ``ms`` milliseconds from now.

    ``debounce`` (default): each request restarts the wait, so a burst makes one call after
    its last request. ``throttle``: the first request of a burst starts the wait and the
    others join it, so a steady stream makes one call per ``ms`` (trailing edge). ``pending``
    says whether a call is waiting; ``cancel()`` drops it.
    """

    def __init__(
        self, fn: Callable[[], object], ms: int, parent: QObject, throttle: bool = False
    ) -> None:
        super().__init__(parent)
        self._throttle = throttle
        self._timer = QTimer(self, singleShot=True, interval=ms)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(fn)

    def __call__(self) -> None:
        if not (self._throttle and self._timer.isActive()):
            self._timer.start()

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def cancel(self) -> None:
        self._timer.stop()
