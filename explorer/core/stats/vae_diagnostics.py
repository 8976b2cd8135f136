"""Diagnostics of a VAE encoder's output: spread of ``logvar``, ``z`` vs ``mu``, KL per dim.

A "tiny-KL" VAE has a mean ``logvar`` near -13, so ``z = mu + exp(logvar / 2) * eps`` is
practically ``mu`` and it behaves like an AE; a working VAE has ``logvar`` near 0 in the
dimensions it uses and a noticeably different radius of ``z`` and of ``mu``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from explorer.core.errors import InvalidParameter
from explorer.core.stats.histograms import radius

Z_MU_THRESHOLD = 0.05  # |z - mu| above this counts in "n_components_over_0.05"
_ROWS = 8192


def vae_diagnostics(
    mu: np.ndarray, logvar: np.ndarray, z: np.ndarray, kl_threshold: float = 0.01
) -> dict[str, Any]:
    """Summary of ``mu``, ``logvar`` and ``z``, each ``(n, z_dim)``, as plain floats and ints.

    Keys: ``logvar_min``, ``logvar_max``, ``logvar_mean``; ``max_abs_z_minus_mu``;
    ``n_components_over_0.05``: the number of entries (points x dims) with
    ``|z - mu| > 0.05``; ``radius_z_vs_mu``: ``max/min/mean_abs_diff`` of ``|R(z) - R(mu)|``,
    ``max/mean_rel_diff`` of ``|R(z) - R(mu)| / R(mu)`` (points with ``R(mu) = 0`` left out;
    NaN if none is left), and ``z_radius_*``, ``mu_radius_*`` (``min``, ``max``, ``mean``);
    ``radius_rel_diff_mean`` and ``radius_rel_diff_max`` (the same relative differences);
    ``kl_per_dim``: the mean over points of ``0.5 (mu^2 + exp(logvar) - 1 - logvar)`` in
    nats, one per dim; ``active_dims``: the number of dims whose KL exceeds
    ``kl_threshold`` nats (0.01 by default).
    """
    mu, logvar, z = (np.asarray(a) for a in (mu, logvar, z))
    if mu.ndim != 2 or mu.shape[0] == 0 or not mu.shape == logvar.shape == z.shape:
        raise InvalidParameter(
            f"mu {mu.shape}, logvar {logvar.shape} and z {z.shape} must be equal (n, z_dim), n >= 1"
        )
    n = mu.shape[0]
    kl_sum = np.zeros(mu.shape[1])
    logvar_sum, max_abs, over = 0.0, 0.0, 0
    for start in range(0, n, _ROWS):
        rows = slice(start, start + _ROWS)
        m, lv = mu[rows].astype(np.float64), logvar[rows].astype(np.float64)
        kl_sum += (0.5 * (m * m + np.exp(lv) - 1.0 - lv)).sum(axis=0)
        logvar_sum += float(lv.sum())
        diff = np.abs(z[rows].astype(np.float64) - m)
        max_abs = max(max_abs, float(diff.max()))
        over += int(np.count_nonzero(diff > Z_MU_THRESHOLD))
    kl_per_dim = kl_sum / n
    radii = _radius_comparison(radius(z), radius(mu))
    return {
        "logvar_min": float(logvar.min()),
        "logvar_max": float(logvar.max()),
        "logvar_mean": logvar_sum / logvar.size,
        "max_abs_z_minus_mu": max_abs,
        "n_components_over_0.05": over,
        "radius_z_vs_mu": radii,
        "radius_rel_diff_mean": radii["mean_rel_diff"],
        "radius_rel_diff_max": radii["max_rel_diff"],
        "kl_per_dim": [float(v) for v in kl_per_dim],
        "active_dims": int(np.count_nonzero(kl_per_dim > kl_threshold)),
    }


def _radius_comparison(r_z: np.ndarray, r_mu: np.ndarray) -> dict[str, float]:
    abs_diff = np.abs(r_z - r_mu)
    valid = r_mu > 0
    rel_diff = abs_diff[valid] / r_mu[valid]
    nan = float("nan")
    return {
        "max_abs_diff": float(abs_diff.max()),
        "min_abs_diff": float(abs_diff.min()),
        "mean_abs_diff": float(abs_diff.mean()),
        "max_rel_diff": float(rel_diff.max()) if rel_diff.size else nan,
        "mean_rel_diff": float(rel_diff.mean()) if rel_diff.size else nan,
        "z_radius_min": float(r_z.min()),
        "z_radius_max": float(r_z.max()),
        "z_radius_mean": float(r_z.mean()),
        "mu_radius_min": float(r_mu.min()),
        "mu_radius_max": float(r_mu.max()),
        "mu_radius_mean": float(r_mu.mean()),
    }
