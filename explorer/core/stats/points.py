"""The one check of the point sets every statistic takes: codes of shape (n_points, dim)."""

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
