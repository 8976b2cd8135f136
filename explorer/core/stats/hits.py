"""How well sampled z-points hit the region occupied by encoded data, and expected radii.

The expected radius of a sampler's draws is a fact of its declaration
(:attr:`~explorer.core.latent.sampler_spec.SamplerSpec.radius`, closed forms in
:mod:`explorer.core.latent.radius`); :func:`expected_radius` asks the declaration.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from explorer.core.errors import InvalidParameter, NeedsDataError
from explorer.core.stats.components import ComponentStats, component_stats
from explorer.core.stats.histograms import radius

RADIUS_PERCENTILES = (1.0, 99.0)  # the data's central 98% of radii
_ROWS = 8192


def hit_rate(
    samples: np.ndarray,
    data_z: np.ndarray | None,
    k: float = 3.0,
    stats: ComponentStats | None = None,
) -> dict[str, Any]:
    """Fractions of ``samples`` that land where the encoded data ``data_z`` lies.

    A component hit needs every component within ``k`` half-widths of the data's
    component mean: ``|s_j - mean_j| <= k * half_width_j`` for all ``j``. A radius hit needs
    the sample's radius inside the 1st..99th percentile of the data's radii.
    ``stats`` (from :func:`component_stats` of ``data_z``) is computed when not given.

    Returns a plain dict: ``n_samples``, ``k``, ``component_hits``, ``component_hit_rate``,
    ``radius_hits``, ``radius_hit_rate``, ``radius_range`` ``[low, high]``.
    """
    if data_z is None:
        raise NeedsDataError("the hit test needs encoded data (z-points of a data set)")
    samples, data_z = np.asarray(samples), np.asarray(data_z)
    if samples.ndim != 2 or data_z.ndim != 2 or samples.shape[1] != data_z.shape[1]:
        raise InvalidParameter(
            f"samples {samples.shape} and data {data_z.shape} must be (n, z_dim) with equal z_dim"
        )
    if data_z.shape[0] == 0:
        raise NeedsDataError("the hit test needs at least one encoded z-point")
    if not k > 0:
        raise InvalidParameter(f"k must be positive, got {k}")
    stats = stats if stats is not None else component_stats(data_z)
    n = samples.shape[0]
    reach = k * stats.half_width
    component_hits = 0
    for start in range(0, n, _ROWS):  # bounded memory for large sample sets
        inside = np.abs(samples[start : start + _ROWS] - stats.mean) <= reach
        component_hits += int(np.count_nonzero(inside.all(axis=1)))
    low, high = np.percentile(radius(data_z), RADIUS_PERCENTILES)
    r = radius(samples)
    radius_hits = int(np.count_nonzero((r >= low) & (r <= high)))
    return {
        "n_samples": n,
        "k": float(k),
        "component_hits": component_hits,
        "component_hit_rate": component_hits / n if n else 0.0,
        "radius_hits": radius_hits,
        "radius_hit_rate": radius_hits / n if n else 0.0,
        "radius_range": [float(low), float(high)],
    }


def expected_radius(sampler: str, z_dim: int, **params: float) -> dict[str, float] | None:
    """Mean and std of the radius of ``sampler``'s draws in ``z_dim`` dimensions (its
    declaration's closed form), or None without one (an unknown or data-derived sampler)."""
    from explorer.core.latent.samplers import SAMPLERS

    if z_dim < 1:
        raise InvalidParameter(f"z_dim must be at least 1, got {z_dim}")
    spec = SAMPLERS.get(sampler)
    return None if spec is None or spec.radius is None else spec.radius(z_dim, **params)
