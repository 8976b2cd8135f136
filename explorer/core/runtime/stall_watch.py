"""Find out what a thread was doing when it did not answer in time (a stall of an event loop).

The thread being watched calls :meth:`StallWatch.beat` often (the window: a 10 ms timer).
A watchdog thread wakes every few milliseconds; when the last beat is older than ``late_s``
it takes one sample of every thread's Python stack (``sys._current_frames``). The watchdog
needs the GIL to do so: while a C extension holds the GIL nobody runs, and the first sample
after it lets go shows where its thread came back to Python, which names the culprit. For
a true picture of who holds the GIL use ``py-spy record --gil --threads`` as well.

A full garbage collection holds the GIL for its whole walk and does not show in a stack
sample (it runs inside whatever allocation triggered it), so the watch also records every
collection that took at least ``gc_ms`` (``gc.callbacks``): its thread, generation and time.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field

STACK_DEPTH = 40  # innermost frames kept per thread


@dataclass
class StallSample:
    """The stacks of every thread, taken ``late_ms`` after the watched thread's last beat."""

    at: float  # time.monotonic()
    late_ms: float
    stacks: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"at": self.at, "late_ms": round(self.late_ms, 1), "stacks": self.stacks}


@dataclass
class Collection:
    """One garbage collection that took at least the watch's ``gc_ms``."""

    at: float  # time.monotonic() at its end
    ms: float
    generation: int
    thread: str
    collected: int

    def as_dict(self) -> dict[str, object]:
        return {
            "at": self.at,
            "ms": round(self.ms, 1),
            "generation": self.generation,
            "thread": self.thread,
            "collected": self.collected,
        }


class StallWatch:
    """Samples all stacks whenever ``thread_id``'s last :meth:`beat` is over ``late_s`` old,
    and again every ``late_s`` while the stall lasts. ``samples`` keeps the most recent
    ``keep``; ``collections`` the most recent ``keep`` collections of ``gc_ms`` or more."""

    def __init__(
        self,
        thread_id: int,
        late_s: float = 0.05,
        poll_s: float = 0.005,
        keep: int = 200,
        gc_ms: float = 10.0,
    ) -> None:
        self.thread_id = thread_id
        self.late_s, self.poll_s, self.keep, self.gc_ms = late_s, poll_s, keep, gc_ms
        self.samples: list[StallSample] = []
        self.collections: list[Collection] = []
        self._gc_started: dict[int, float] = {}  # thread ident -> perf_counter at gc start
        self._last = time.monotonic()
        self._sampled_at = 0.0  # when the last sample was taken
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        self._last = time.monotonic()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._watch, name="stall-watch", daemon=True)
        self._thread.start()
        if self._on_gc not in gc.callbacks:
            gc.callbacks.append(self._on_gc)

    def stop(self) -> None:
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        self._stop.set()
        if self._thread is not None:
            self._thread.join(1.0)
            self._thread = None

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        ident = threading.get_ident()
        if phase == "start":
            self._gc_started[ident] = time.perf_counter()
            return
        started = self._gc_started.pop(ident, None)
        if started is None:
            return
        ms = (time.perf_counter() - started) * 1000
        if ms >= self.gc_ms:
            name = next((t.name for t in threading.enumerate() if t.ident == ident), str(ident))
            self.collections.append(
                Collection(time.monotonic(), ms, info["generation"], name, info.get("collected", 0))
            )
            del self.collections[: -self.keep]

    def _watch(self) -> None:
        while not self._stop.wait(self.poll_s):
            now = time.monotonic()
            late = now - self._last
            if late > self.late_s and now - max(self._sampled_at, self._last) > self.late_s:
                self._sampled_at = now
                self.samples.append(self._sample(late))
                del self.samples[: -self.keep]

    def _sample(self, late: float) -> StallSample:
        names = {t.ident: t.name for t in threading.enumerate()}
        me = threading.get_ident()
        stacks = {}
        for ident, frame in sys._current_frames().items():
            if ident == me:
                continue
            name = names.get(ident, f"thread-{ident}")
            if ident == self.thread_id:
                name = f"{name} (watched)"
            lines = [
                f"{f.filename.rsplit('/site-packages/', 1)[-1]}:{f.lineno} {f.name}"
                for f in traceback.extract_stack(frame)[-STACK_DEPTH:]
            ]
            stacks[name] = lines
        return StallSample(time.monotonic(), late * 1000, stacks)
