"""k-means "elbow" sweep over latent codes: inertia as a function of the number of clusters.

Each ``k`` is fitted with scikit-learn's :class:`~sklearn.cluster.MiniBatchKMeans` (fast on
tens of thousands of codes). The reported inertia is always the sum of squared distances of
*all* points to their nearest fitted centre, not the running mini-batch estimate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from explorer.core.errors import InvalidParameter
from explorer.core.progress import TaskState, ensure_state
from explorer.core.stats.points import as_points

DEFAULT_KS = range(2, 81, 2)


@dataclass
class KMeansSweep:
    """Inertia (within-cluster sum of squares over all points) for each ``k``."""

    k: list[int] = field(default_factory=list)
    inertia: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, list]:
        """Return ``{"k": [...], "inertia": [...]}`` (JSON-friendly)."""
        return {"k": list(self.k), "inertia": list(self.inertia)}


def parse_k_range(text: str, n_points: int | None = None) -> list[int]:
    """Parse a k specification such as ``"2:80:2"`` into a sorted list of ints.

    Parameters
    ----------
    text
        Comma-separated items, each ``k``, ``start:stop`` or ``start:stop:step``;
        ``stop`` is inclusive (``"2:8:2"`` -> ``[2, 4, 6, 8]``).
    n_points
        If given, every k must be at most this (k-means needs ``k <= n_points``).

    Raises
    ------
    InvalidParameter
        On malformed text, an empty or decreasing range, ``step < 1``, ``k < 1`` or
        ``k > n_points``.
    """
    ks: set[int] = set()
    items = [item.strip() for item in str(text).split(",")]
    if not any(items):
        raise InvalidParameter("Empty k range: use e.g. '2:80:2' or '5,10,20'.")
    for item in items:
        ks.update(_parse_item(item))
    result = sorted(ks)
    _check_ks(result, n_points)
    return result


def _parse_item(item: str) -> range:
    parts = [p.strip() for p in item.split(":")]
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        raise InvalidParameter(
            f"Bad k range item {item!r}: use 'k', 'start:stop' or 'start:stop:step'."
        ) from None
    if len(numbers) == 1:
        return range(numbers[0], numbers[0] + 1)
    if len(numbers) > 3:
        raise InvalidParameter(f"Bad k range item {item!r}: at most 'start:stop:step'.")
    start, stop = numbers[0], numbers[1]
    step = numbers[2] if len(numbers) == 3 else 1
    if step < 1:
        raise InvalidParameter(f"Bad k range {item!r}: step must be at least 1.")
    if stop < start:
        raise InvalidParameter(f"Bad k range {item!r}: stop ({stop}) is below start ({start}).")
    return range(start, stop + 1, step)


def _check_ks(ks: list[int], n_points: int | None) -> None:
    if not ks:
        raise InvalidParameter("No values of k to try.")
    if min(ks) < 1:
        raise InvalidParameter(f"k must be at least 1 (got {min(ks)}).")
    if n_points is not None and max(ks) > n_points:
        raise InvalidParameter(f"k = {max(ks)} is more than the number of points ({n_points}).")


def kmeans_inertia(
    z: np.ndarray,
    ks: Iterable[int] = DEFAULT_KS,
    seed: int = 0,
    batch_size: int = 2048,
    state: TaskState | None = None,
    n_init: int = 3,
) -> KMeansSweep:
    """Fit mini-batch k-means for every ``k`` and record the inertia of the whole data set.

    Parameters
    ----------
    z
        Codes, shape ``(n_points, dim)``.
    ks
        Numbers of clusters to try (each ``1 <= k <= n_points``).
    seed
        Random seed of every fit (the sweep is reproducible).
    batch_size
        Mini-batch size of :class:`~sklearn.cluster.MiniBatchKMeans`.
    state
        Progress is reported after each k; a stop request is honoured between ks.
    n_init
        Initialisations per k (the best is kept).

    Returns
    -------
    KMeansSweep
        ``inertia[i]`` is the sum over all points of the squared distance to the nearest
        centre fitted for ``k[i]``.

    Raises
    ------
    InvalidParameter
        Bad ``z`` or ks.
    Cancelled
        A stop was requested.
    """
    state = ensure_state(state)
    z = as_points(z)
    ks = [int(k) for k in ks]
    _check_ks(ks, z.shape[0])
    if batch_size < 1:
        raise InvalidParameter(f"batch_size must be at least 1 (got {batch_size}).")
    sweep = KMeansSweep()
    for i, k in enumerate(ks):
        state.check()
        centres = _fit_centres(z, k, seed=seed, batch_size=batch_size, n_init=n_init)
        sweep.k.append(k)
        sweep.inertia.append(_inertia(z, centres))
        state.set_progress((i + 1) / len(ks), f"k-means: k = {k} ({i + 1}/{len(ks)})")
    return sweep


def _fit_centres(z: np.ndarray, k: int, seed: int, batch_size: int, n_init: int) -> np.ndarray:
    """Return the ``(k, dim)`` centres found by MiniBatchKMeans."""
    from sklearn.cluster import MiniBatchKMeans

    model = MiniBatchKMeans(
        n_clusters=k,
        batch_size=batch_size,
        n_init=n_init,
        random_state=seed,
        compute_labels=False,
    )
    model.fit(z)
    return model.cluster_centers_


def _inertia(z: np.ndarray, centres: np.ndarray, chunk: int = 8192) -> float:
    """Sum over all points of the squared distance to the nearest centre (chunked)."""
    c_sq = np.einsum("ij,ij->i", centres, centres)
    total = 0.0
    for start in range(0, z.shape[0], chunk):
        block = z[start : start + chunk]
        d2 = np.einsum("ij,ij->i", block, block)[:, None] - 2.0 * block @ centres.T + c_sq
        total += float(np.maximum(d2.min(axis=1), 0.0).sum())
    return total
