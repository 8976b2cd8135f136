"""Per-component statistics of z-points: centre, spread, half-width, dominant components."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.core.errors import InvalidParameter
from explorer.core.progress import TaskState
from explorer.core.stats.histograms import ComponentHistograms, component_histograms


@dataclass(frozen=True)
class ComponentStats:
    """Per-component ``mean``, ``std`` and ``half_width`` (FWHM), and the dominant indices."""

    mean: np.ndarray
    std: np.ndarray
    half_width: np.ndarray
    dominant: list[int]
    histograms: ComponentHistograms

    def to_dict(self) -> dict[str, Any]:
        """Plain lists for JSON: ``mean``, ``std``, ``half_width``, ``dominant``."""
        return {
            "mean": [float(v) for v in self.mean],
            "std": [float(v) for v in self.std],
            "half_width": [float(v) for v in self.half_width],
            "dominant": [int(i) for i in self.dominant],
        }


def component_stats(
    z: np.ndarray,
    bins: int = 100,
    range: tuple[float, float] | None = None,
    mean_threshold: float = 0.25,
    half_width_threshold: float = 1.5,
    state: TaskState | None = None,
) -> ComponentStats:
    """Mean, standard deviation and half-width of every component of ``z`` ``(n, z_dim)``.

    The half-width is the full width at half maximum of the component's histogram
    (``bins`` bins over ``range``, see :func:`component_histograms`). A component is
    dominant when ``|mean| >= mean_threshold`` or ``half_width >= half_width_threshold``.
    """
    z = np.asarray(z)
    if z.ndim != 2 or z.shape[0] == 0:
        raise InvalidParameter(f"expected at least one z-point of shape (n, z_dim), got {z.shape}")
    hist = component_histograms(z, bins=bins, range=range, state=state)
    mean, std = _mean_std(z)
    half_width = half_widths(hist)
    dominant = np.flatnonzero(
        (np.abs(mean) >= mean_threshold) | (half_width >= half_width_threshold)
    )
    return ComponentStats(mean, std, half_width, [int(i) for i in dominant], hist)


def _mean_std(z: np.ndarray, rows: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean and (population) std in float64, without a float64 copy of ``z``."""
    mean = z.mean(axis=0, dtype=np.float64)
    squares = np.zeros(z.shape[1])
    for start in range(0, z.shape[0], rows):
        deviation = z[start : start + rows].astype(np.float64) - mean
        squares += np.einsum("ij,ij->j", deviation, deviation)
    return mean, np.sqrt(squares / z.shape[0])


def half_widths(hist: ComponentHistograms) -> np.ndarray:
    """Full width at half maximum of every histogram, in data units, shape ``(z_dim,)``.

    From the highest bin, the first bin on each side whose count is below half the peak
    gives a crossing, placed by linear interpolation between that bin's centre and its
    neighbour's. A side that never drops below half ends at the outer edge of the range.
    Empty histograms have half-width 0. A Gaussian gives ``2 sqrt(2 ln 2) sigma``
    (about 2.3548 sigma).
    """
    counts = hist.counts.astype(np.float64)
    centers = hist.centers
    z_dim, n_bins = counts.shape
    rows = np.arange(z_dim)
    peak = counts.argmax(axis=1)
    half = counts[rows, peak] / 2
    index = np.arange(n_bins)
    below = counts < half[:, None]
    left = np.where(below & (index < peak[:, None]), index, -1).max(axis=1)
    right = np.where(below & (index > peak[:, None]), index, n_bins).min(axis=1)
    left_x = _crossing(counts, centers, half, left, left + 1, hist.edges[0], left < 0)
    right_x = _crossing(counts, centers, half, right, right - 1, hist.edges[-1], right >= n_bins)
    width = right_x - left_x
    width[half == 0] = 0.0
    return width


def _crossing(
    counts: np.ndarray,
    centers: np.ndarray,
    half: np.ndarray,
    outside: np.ndarray,
    inside: np.ndarray,
    edge: float,
    missing: np.ndarray,
) -> np.ndarray:
    """Where the counts cross ``half`` between bin ``outside`` (< half) and ``inside``."""
    rows = np.arange(counts.shape[0])
    last = counts.shape[1] - 1
    out_i, in_i = np.clip(outside, 0, last), np.clip(inside, 0, last)
    c_out, c_in = counts[rows, out_i], counts[rows, in_i]
    with np.errstate(invalid="ignore", divide="ignore"):  # only where ``missing``
        t = (half - c_out) / (c_in - c_out)
        x = centers[out_i] + t * (centers[in_i] - centers[out_i])
    return np.where(missing, float(edge), x)


def correlation(
    z: np.ndarray, i: int, j: int, n_points: int = 1000, seed: int = 0
) -> tuple[np.ndarray, float]:
    """Scatter points of components ``i`` and ``j`` and their Pearson correlation.

    Returns ``(points, r)``: ``points`` is ``(m, 2)`` for ``m = min(n_points, n)`` rows
    drawn without replacement (reproducible with ``seed``, in data order); ``r`` is computed
    over all rows of ``z``, and is NaN when a component is constant.
    """
    z = np.asarray(z)
    if z.ndim != 2:
        raise InvalidParameter(f"expected z-points of shape (n, z_dim), got shape {z.shape}")
    for k in (i, j):
        if not 0 <= k < z.shape[1]:
            raise InvalidParameter(f"component {k} is out of range 0..{z.shape[1] - 1}")
    if z.shape[0] < 2:
        raise InvalidParameter("a correlation needs at least two z-points")
    if n_points < 1:
        raise InvalidParameter(f"n_points must be at least 1, got {n_points}")
    m = min(int(n_points), z.shape[0])
    rows = np.sort(np.random.default_rng(seed).choice(z.shape[0], size=m, replace=False))
    points = np.column_stack([z[rows, i], z[rows, j]]).astype(np.float64)
    a = z[:, i].astype(np.float64) - z[:, i].mean(dtype=np.float64)
    b = z[:, j].astype(np.float64) - z[:, j].mean(dtype=np.float64)
    denominator = np.sqrt(np.dot(a, a) * np.dot(b, b))
    r = float(np.dot(a, b) / denominator) if denominator > 0 else float("nan")
    return points, r
