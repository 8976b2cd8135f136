"""The points of a map as the map keeps them, and the view that fits them (Qt-free)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FIT_MARGIN = 0.04  # share of the data's extent left around it when the view fits the data


@dataclass(frozen=True, eq=False)
class MapPoints:
    """Positions as the map keeps them: ``xy`` (n, 2) float64 and its two columns (numpy is
    several times faster on columns than on rows). :meth:`of` copies; at a million points
    that takes tens of milliseconds, so whoever makes the points in a worker thread (a map's
    run, a live frame) makes these there and hands them to :meth:`MapView.set_points`."""

    xy: np.ndarray
    x: np.ndarray
    y: np.ndarray

    @classmethod
    def of(cls, xy) -> MapPoints:
        """``xy`` (n, 2) copied into the map's layout (a ``MapPoints`` as it is)."""
        from explorer.core.errors import InvalidParameter

        if isinstance(xy, MapPoints):
            return xy
        xy = np.array(xy, dtype=np.float64, order="C")
        if xy.ndim != 2 or xy.shape[1] != 2:
            raise InvalidParameter(f"map points must be (n, 2), got shape {xy.shape}")
        return cls(xy, np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1]))

    def __len__(self) -> int:
        return len(self.xy)


def fit_view(x: np.ndarray | None, y: np.ndarray | None) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) around the finite points with a margin of :data:`FIT_MARGIN`."""
    if x is None or y is None:
        return (-1.0, 1.0, -1.0, 1.0)
    bounds = []
    for v in (x, y):
        lo, hi = np.fmin.reduce(v, initial=np.inf), np.fmax.reduce(v, initial=-np.inf)
        if not (np.isfinite(lo) and np.isfinite(hi)):  # infinities (NaN are skipped)
            finite = v[np.isfinite(v)]
            lo, hi = (finite.min(), finite.max()) if len(finite) else (np.inf, -np.inf)
        bounds.append((lo, hi))
    if not all(lo <= hi for lo, hi in bounds):
        return (-1.0, 1.0, -1.0, 1.0)
    lo, hi = np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])
    span = hi - lo
    pad = np.where(span > 0, span * FIT_MARGIN, 0.5)
    return (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
