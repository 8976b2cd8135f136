"""Keep full garbage collections out of the way of the event loop, and models collected where
they lived.

Importing TensorFlow and Keras leaves about 670k container objects that live as long as the
process. A full (generation 2) collection walks every tracked object while holding the GIL:
with those 670k, 0.2-1 s on this 2-core machine, a freeze of the window whichever thread
happens to trigger it. So once the imports are done, :func:`paused` moves everything alive
into the permanent generation that the collector skips (``gc.freeze``), and nothing is ever
handed back (no ``gc.unfreeze``: that made the next full collection walk all of it again,
the 0.6-1.1 s stalls seen while a second model loaded or a second training started).

What comes after the imports stays collectable: a loaded model adds about 5k objects, a
training about 40k (model, optimiser, traced step), and a full collection of those takes
10-25 ms. Model loads run under :func:`quiet` (no automatic collection while a load makes
its many objects and little garbage; no freeze). A model that is replaced or dropped is
collected on the thread that used it, under that thread's TensorFlow lock, by
:func:`collect_here`: TensorFlow's destructors then never run on the GUI thread.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


def settle() -> None:
    """Exempt every object alive now from garbage collection (after the big imports)."""
    gc.freeze()


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No automatic collection inside (nests; other threads too); nothing frozen after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No automatic collection inside, then :func:`settle`: for imports of what stays
    loaded for good. It settles also when nested (inside a model load's :func:`quiet`: the
    window imports TensorFlow as part of its first load); collection comes back on only
    where it was on before."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # Freeze first: while collection was off every allocation still counted, so with
        # collection on again, one allocation (in any thread) before the freeze would start
        # a full collection of everything just made (0.2-0.27 s after importing
        # TensorFlow). Freezing resets the counts.
        settle()
        if was_enabled:
            gc.enable()


def collect_here() -> int:
    """Collect now, on this thread (after dropping a model it owned); returns the number of
    unreachable objects found. Costs a walk of the unfrozen objects (10-25 ms)."""
    return gc.collect()
