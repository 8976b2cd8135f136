"""The point sets statistics take: the one check of codes of shape (n_points, dim), class
labels of points, and a stratified subsample of them."""

from __future__ import annotations

from typing import Any

import numpy as np

from explorer.core.errors import InvalidParameter


def as_points(
    z: Any, min_points: int = 1, finite: bool = True, dtype: Any = np.float64
) -> np.ndarray:
    """``z`` as a 2-D array of ``dtype`` (``None``: keep its own); :class:`InvalidParameter`
    when it is not (n_points, dim) with at least ``min_points`` rows, or (with ``finite``)
    holds NaN or infinite values."""
    z = np.asarray(z, dtype=dtype)
    if z.ndim != 2 or z.shape[1] < 1:
        raise InvalidParameter(f"expected codes of shape (n_points, dim), got shape {z.shape}.")
    if z.shape[0] < min_points:
        raise InvalidParameter(f"need at least {min_points} points (got {z.shape[0]}).")
    if finite and not np.all(np.isfinite(z)):
        raise InvalidParameter("the codes contain NaN or infinite values.")
    return z


def class_labels(labels: Any, n_total: int | None = None) -> np.ndarray | None:
    """``labels`` as one integer class per point, or None when they are not (several
    columns, text, fractions)."""
    if labels is None:
        return None
    labels = np.asarray(labels)
    if labels.ndim != 1:
        return None
    if n_total is not None and labels.shape[0] != n_total:
        raise InvalidParameter(f"expected {n_total} labels (one per point), got {len(labels)}")
    if labels.dtype.kind in "iub":
        return labels.astype(np.int64)
    if labels.dtype.kind == "f" and np.all(np.isfinite(labels)) and np.all(labels == labels // 1):
        return labels.astype(np.int64)
    return None


def stratified_subsample(
    n_total: int, n: int | None, labels: Any = None, seed: int = 0
) -> np.ndarray:
    """Sorted rows (int64) of ``n`` distinct points out of ``n_total``, seeded.

    With one integer label per point every class keeps its share (largest-remainder
    rounding) and every class is present when ``n`` allows; otherwise (no labels, several
    label columns) a plain :func:`subsample`.
    """
    classes = class_labels(labels, n_total)
    if classes is None or n is None or n >= n_total:
        return subsample(n_total, n, seed).astype(np.int64)
    if n < 1:
        raise InvalidParameter(f"The number of points must be at least 1 (got {n}).")
    values, codes, counts = np.unique(classes, return_inverse=True, return_counts=True)
    exact = n * counts / n_total
    quota = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - quota), kind="stable")
    quota[order[: n - int(quota.sum())]] += 1
    if n >= len(values):  # every class present: take from the largest shares
        for c in np.flatnonzero(quota == 0):
            donor = int(np.argmax(quota))
            quota[donor] -= 1
            quota[c] += 1
    rng = np.random.default_rng(seed)
    rows = [
        rng.choice(np.flatnonzero(codes == c), size=int(q), replace=False)
        for c, q in enumerate(quota)
        if q
    ]
    return np.sort(np.concatenate(rows)).astype(np.int64)


def subsample(n_total: int, n: int | None, seed: int = 0) -> np.ndarray:
    """Deterministic sorted indices of ``n`` distinct points out of ``n_total``.

    ``n`` of ``None`` or ``>= n_total`` returns all indices ``0 .. n_total-1``.
    """
    if n_total < 0:
        raise InvalidParameter(f"n_total must be non-negative (got {n_total}).")
    if n is None or n >= n_total:
        return np.arange(n_total)
    if n < 1:
        raise InvalidParameter(f"The number of points must be at least 1 (got {n}).")
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_total, size=int(n), replace=False))
