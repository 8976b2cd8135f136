"""Keep full garbage collections out of the way of the event loop.

After TensorFlow, Keras, matplotlib and a model are loaded the interpreter tracks about
400k container objects, and a full (generation 2) garbage collection walks all of them in
0.17-0.2 s while holding the GIL: whichever thread happens to allocate at that moment
triggers it, and the window freezes (measured as the 0.3 s stalls of the first k-means
run or plot after a load in ``bench/bench_gui_scale.py``).

Nearly all of those objects live as long as the process (modules, the loaded models), so
after a load :func:`settle` moves everything alive into the permanent generation that the
collector skips (``gc.freeze``); collections then only look at what was made since.
Before the next load :func:`unsettle` hands everything back to the collector, so a model
(or plot) that has been replaced since is still collected: frozen garbage waits, it does
not leak.

While TensorFlow imports (7 s here) the heap grows from 100k to 400k objects, and the
collections it triggers took 130, 140, 220 and 240 ms; :func:`paused` switches automatic
collection off around such work (imports and model loads make little garbage) and settles
the heap afterwards.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


def settle() -> None:
    """Exempt every object alive now from garbage collection (after a big load)."""
    gc.freeze()


def unsettle() -> None:
    """Give the exempted objects back to the collector (before replacing a model)."""
    gc.unfreeze()


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No automatic collection inside (nests; other threads too), then :func:`settle`."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # Freeze first: while collection was off every allocation still counted, so
            # with collection on again, one allocation (in any thread) before the freeze
            # would start a full collection of everything just made (0.2-0.27 s after
            # importing TensorFlow). Freezing resets the counts.
            settle()
            gc.enable()
