"""The garbage-collector settings that keep full collections out of the event loop's way."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from explorer.core.util import heap


@pytest.fixture(autouse=True)
def restore_gc():
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()


class Node:
    freed_on: list[int] = []

    def __del__(self) -> None:
        Node.freed_on.append(threading.get_ident())


def test_settle_exempts_what_is_alive():
    before = gc.get_freeze_count()
    kept = [[i] for i in range(1000)]  # tracked containers
    heap.settle()
    assert gc.get_freeze_count() >= before + len(kept)


def test_what_is_made_after_settling_stays_collectable_on_the_thread_that_drops_it():
    heap.settle()  # the imports
    Node.freed_on.clear()
    with heap.quiet():  # a model load: no collection inside, nothing frozen after
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: only the collector frees it
    alive = weakref.ref(a)
    frozen = gc.get_freeze_count()

    def drop_and_collect() -> None:
        nonlocal a, b
        del a, b
        assert heap.collect_here() >= 2

    worker = threading.Thread(target=drop_and_collect)
    worker.start()
    worker.join()
    assert alive() is None
    assert set(Node.freed_on) == {worker.ident}  # freed on the thread that dropped it
    assert gc.get_freeze_count() == frozen


def test_quiet_and_paused_nest_and_only_paused_settles():
    gc.enable()
    frozen = gc.get_freeze_count()
    with heap.quiet():
        assert not gc.isenabled()
        with heap.quiet():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    kept = [[i] for i in range(100)]
    with heap.paused():
        assert not gc.isenabled()
        with heap.quiet(), heap.paused():  # an import inside a model load
            assert not gc.isenabled()
            inner = [[i] for i in range(100)]
        assert not gc.isenabled()  # collection stays off until the outer one ends
        assert gc.get_freeze_count() >= frozen + len(kept) + len(inner)  # but it settled
    assert gc.isenabled()
    with pytest.raises(RuntimeError), heap.paused():
        raise RuntimeError("boom")
    assert gc.isenabled()
