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
    started, go = threading.Event(), threading.Event()

    def drop_and_collect() -> None:
        nonlocal a, b
        started.set()
        go.wait()
        del a, b
        assert heap.collect_here() >= 2

    worker = threading.Thread(target=drop_and_collect)
    worker.start()
    # counted once the thread runs: a new thread takes the place of a finished one of the same
    # id in threading's table, and frees that one's (frozen) entry, e.g. a Qt thread's that an
    # earlier test of this process left
    started.wait()
    frozen = gc.get_freeze_count()
    go.set()
    worker.join()
    assert alive() is None
    assert set(Node.freed_on) == {worker.ident}  # freed on the thread that dropped it
    assert gc.get_freeze_count() <= frozen  # nothing was frozen by the collection


def test_quiet_and_paused_nest_and_only_paused_settles():
    gc.enable()
    frozen = gc.get_freeze_count()
    with heap.quiet():
        assert not gc.isenabled()
        with heap.quiet():
            assert not gc.isenabled()
        assert not gc.isenabled()
    # nothing frozen by quiet() (the count may drop: other threads free frozen objects, e.g.
    # a finished thread's entry of threading's table)
    assert gc.isenabled() and gc.get_freeze_count() <= frozen
    frozen = gc.get_freeze_count()
    kept = [[i] for i in range(1000)]
    with heap.paused():
        assert not gc.isenabled()
        with heap.quiet(), heap.paused():  # an import inside a model load
            assert not gc.isenabled()
            inner = [[i] for i in range(1000)]
        assert not gc.isenabled()  # collection stays off until the outer one ends
        assert gc.get_freeze_count() >= frozen + len(kept) + len(inner) - 100  # but it settled
    assert gc.isenabled()
    with pytest.raises(RuntimeError), heap.paused():
        raise RuntimeError("boom")
    assert gc.isenabled()
