"""The stall watch samples every thread's stack while a watched thread does not beat."""

from __future__ import annotations

import threading
import time

from explorer.core.runtime.stall_watch import StallWatch


def _busy_in_a_named_function(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_a_late_beat_is_sampled_with_the_stacks_of_every_thread():
    watch = StallWatch(threading.get_ident(), late_s=0.04, poll_s=0.005)
    watch.start()
    try:
        for _ in range(5):  # on time: nothing sampled
            watch.beat()
            time.sleep(0.01)
        assert watch.samples == []
        watch.beat()
        _busy_in_a_named_function(0.25)  # a stall of 250 ms on the watched thread
        watch.beat()
    finally:
        watch.stop()
    assert 2 <= len(watch.samples) <= 6  # sampled again every 40 ms while it lasted
    first = watch.samples[0]
    assert first.late_ms >= 40
    watched = next(lines for name, lines in first.stacks.items() if name.endswith("(watched)"))
    assert any("_busy_in_a_named_function" in line for line in watched)
    assert "stall-watch" not in first.stacks  # the watchdog leaves itself out
    assert set(first.as_dict()) == {"at", "late_ms", "stacks"}


def test_a_long_garbage_collection_is_recorded_with_its_thread():
    import gc

    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle: only the collector frees it

    watch = StallWatch(threading.get_ident(), gc_ms=0.0)
    watch.start()
    try:
        garbage = [Node() for _ in range(20_000)]
        del garbage

        def collect() -> None:
            gc.collect()

        worker = threading.Thread(target=collect, name="collector")
        worker.start()
        worker.join()
    finally:
        watch.stop()
    mine = [c for c in watch.collections if c.thread == "collector"]
    assert mine and mine[-1].generation == 2 and mine[-1].collected >= 20_000
    assert set(mine[-1].as_dict()) == {"at", "ms", "generation", "thread", "collected"}
    assert watch._on_gc not in gc.callbacks  # stop() removes its callback
