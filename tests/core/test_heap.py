"""The garbage-collector settings that keep full collections out of the event loop's way."""

from __future__ import annotations

import gc

import pytest

from explorer.core.util import heap


@pytest.fixture(autouse=True)
def restore_gc():
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()


def test_settle_exempts_what_is_alive_and_unsettle_gives_it_back():
    heap.unsettle()
    assert gc.get_freeze_count() == 0
    kept = [[i] for i in range(1000)]  # tracked containers
    heap.settle()
    assert gc.get_freeze_count() >= len(kept)
    heap.unsettle()
    assert gc.get_freeze_count() == 0


def test_frozen_garbage_waits_for_unsettle():
    import weakref

    class Node:
        pass

    heap.unsettle()
    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle: only the collector frees it
    alive = weakref.ref(a)
    heap.settle()
    del a, b
    gc.collect()
    assert alive() is not None  # frozen: the collector skips it
    heap.unsettle()
    gc.collect()
    assert alive() is None  # handed back: collected


def test_paused_nests_and_settles_once_at_the_end():
    gc.enable()
    heap.unsettle()
    with heap.paused():
        assert not gc.isenabled()
        with heap.paused():
            assert not gc.isenabled()
        assert not gc.isenabled() and gc.get_freeze_count() == 0  # inner one leaves it off
    assert gc.isenabled() and gc.get_freeze_count() > 0
    with pytest.raises(RuntimeError), heap.paused():
        raise RuntimeError("boom")
    assert gc.isenabled()
