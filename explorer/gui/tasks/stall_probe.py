"""A timer inside the window that measures how long its event loop stalls.

A 10 ms ``QTimer`` on the GUI thread records the gap between its ticks: a gap much above
10 ms is a stall the user feels (no repaint, no click answered). Phases (``mark(name)``)
label the gaps, so a report says which work stalled the window. With a
:class:`~explorer.core.runtime.stall_watch.StallWatch` beside it, every stall over
``sample_ms`` also keeps a sample of all threads' stacks.

The window's command line starts it: ``latent-explorer --stall-log FILE`` writes a JSON
report (the worst gap per phase, every gap over 50 ms with its stacks) when the window
closes; the tests and ``bench/bench_gui_latency.py`` use the same class.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer

from explorer.core.runtime.stall_watch import StallWatch

TICK_MS = 10
LOGGED_MS = 50.0  # gaps from this long on are listed one by one in the report


@dataclass
class Phase:
    name: str
    start: float  # time.monotonic()
    gaps: list[float] = field(default_factory=list)
    end: float | None = None

    def worst(self) -> float:
        return max(self.gaps, default=0.0)


class StallProbe(QObject):
    """Ticks every :data:`TICK_MS` ms on the GUI thread and records the gaps per phase."""

    def __init__(self, parent: QObject | None = None, sample_ms: float = LOGGED_MS) -> None:
        super().__init__(parent)
        self.phases: list[Phase] = [Phase("start", time.monotonic())]
        self.long_gaps: list[dict] = []  # {"at", "gap_ms", "phase"}
        self._last: float | None = None
        self._timer = QTimer(self, interval=TICK_MS)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self.watch = StallWatch(threading.get_ident(), late_s=sample_ms / 1000)

    def start(self) -> StallProbe:
        self._last = None  # the first tick comes when the event loop runs
        self._timer.start()
        self.watch.start()
        return self

    def stop(self) -> None:
        self._timer.stop()
        self.watch.stop()
        self.phases[-1].end = time.monotonic()

    def mark(self, name: str) -> None:
        """From now on, gaps belong to phase ``name``."""
        now = time.monotonic()
        self.phases[-1].end = now
        self.phases.append(Phase(name, now))
        self._last = now if self._last is not None else None

    def _tick(self) -> None:
        now = time.monotonic()
        self.watch.beat()
        if self._last is not None:
            gap = (now - self._last) * 1000
            self.phases[-1].gaps.append(gap)
            if gap >= LOGGED_MS:
                self.long_gaps.append(
                    {"at": now, "gap_ms": round(gap, 1), "phase": self.phases[-1].name}
                )
        self._last = now

    def worst(self, phase: str | None = None) -> float:
        """The longest gap (ms) of ``phase`` (default: of all phases)."""
        return max(
            (p.worst() for p in self.phases if phase is None or p.name == phase), default=0.0
        )

    def report(self) -> dict:
        """The worst gap and tick count per phase, the long gaps and the stack samples."""
        return {
            "tick_ms": TICK_MS,
            "worst_ms": round(self.worst(), 1),
            "phases": [
                {
                    "name": p.name,
                    "seconds": round((p.end or time.monotonic()) - p.start, 3),
                    "ticks": len(p.gaps),
                    "worst_ms": round(p.worst(), 1),
                }
                for p in self.phases
            ],
            "long_gaps": self.long_gaps,
            "samples": [s.as_dict() for s in self.watch.samples],
            "collections": [c.as_dict() for c in self.watch.collections],
        }

    def write(self, path: str | Path) -> None:
        from explorer.core.util.atomic import write_text

        write_text(Path(path), json.dumps(self.report(), indent=1))
