"""The draw functions of the samplers declared in :mod:`explorer.core.latent.samplers`.

Each takes ``(rng, n, z_dim, data, **params)``, its parameters already checked against their
declaration (grid samplers also get ``cols``, with ``n`` a multiple of it), and returns the
z-points ``(n, z_dim)``; it raises :class:`InvalidParameter` only for what no single
parameter's declaration can check (two axes that must differ, too few encoded points).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from explorer.core.errors import InvalidParameter
from explorer.core.latent.params import check_int

# ---------------------------------------------------------------- helpers


def grid_shape(n: int, cols: Any) -> tuple[int, int]:
    """Return (rows, cols) for ``n`` grid points (``cols=None``: the most square layout)."""
    if cols is None:
        rows = max(d for d in range(1, math.isqrt(n) + 1) if n % d == 0)
        return rows, n // rows
    cols = check_int("cols", cols, 1, n)
    if n % cols:
        raise InvalidParameter(f"n ({n}) must be a multiple of cols ({cols}).")
    return n // cols, cols


def _ticks(lo: float, hi: float, count: int) -> np.ndarray:
    """``count`` evenly spaced values from lo to hi; the midpoint when count == 1."""
    return np.linspace(lo, hi, count) if count > 1 else np.array([(lo + hi) / 2])


def _grid(x: np.ndarray, y_top_down: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-major grid coordinates: column value and row value per point."""
    gx, gy = np.meshgrid(x, y_top_down)
    return gx.ravel(), gy.ravel()


def _pca_basis(data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, per-axis standard deviations and unit axes (rows) of the data's PCA."""
    if len(data) < 2:
        raise InvalidParameter("PCA needs at least 2 encoded points.")
    mean = data.mean(axis=0)
    _, s, vt = np.linalg.svd(data - mean, full_matrices=False)
    signs = np.sign(vt[np.arange(len(vt)), np.argmax(np.abs(vt), axis=1)])
    return mean, s / math.sqrt(len(data) - 1), vt * signs[:, None]


def _slerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return a + t[:, None] * (b - a)
    ua, ub = a / na, b / nb
    omega = math.acos(float(np.clip(ua @ ub, -1.0, 1.0)))
    if omega < 1e-6:
        direction = np.repeat(ua[None], len(t), axis=0)
    elif math.pi - omega < 1e-6:
        raise InvalidParameter("slerp is undefined for opposite start and end; use linear.")
    else:
        wa, wb = np.sin((1 - t) * omega), np.sin(t * omega)
        direction = (wa[:, None] * ua + wb[:, None] * ub) / math.sin(omega)
    return direction * ((1 - t) * na + t * nb)[:, None]


# ---------------------------------------------------------------- draw functions


def draw_normal(rng, n, z_dim, data, mean, std):
    return rng.normal(mean, std, size=(n, z_dim))


def draw_uniform(rng, n, z_dim, data, limit):
    return rng.uniform(-limit, limit, size=(n, z_dim))


def draw_pca(rng, n, z_dim, data, axis, span):
    mean, std, axes = _pca_basis(data)
    t = _ticks(-span, span, n) * std[axis]
    return mean + t[:, None] * axes[axis]


def draw_pca_grid(rng, n, z_dim, data, axis, axis2, span, cols):
    if axis == axis2:
        raise InvalidParameter(f"axis and axis2 must differ, both are {axis}.")
    mean, std, axes = _pca_basis(data)
    tx, ty = _grid(_ticks(-span, span, cols), _ticks(span, -span, n // cols))
    return mean + (tx * std[axis])[:, None] * axes[axis] + (ty * std[axis2])[:, None] * axes[axis2]


def draw_fitted(rng, n, z_dim, data, covariance):
    if len(data) < 2:
        raise InvalidParameter("fitting a Gaussian needs at least 2 encoded points.")
    mean = data.mean(axis=0)
    if covariance == "diag":
        return mean + rng.standard_normal((n, z_dim)) * data.std(axis=0, ddof=1)
    return rng.multivariate_normal(mean, np.cov(data, rowvar=False).reshape(z_dim, z_dim), n)


def draw_gmm(rng, n, z_dim, data, components, covariance):
    from sklearn.mixture import GaussianMixture

    seed = int(rng.integers(2**31 - 1))
    gm = GaussianMixture(components, covariance_type=covariance, random_state=seed).fit(data)
    which = rng.choice(components, size=n, p=gm.weights_ / gm.weights_.sum())
    eps = rng.standard_normal((n, z_dim))
    if covariance == "diag":
        return gm.means_[which] + eps * np.sqrt(gm.covariances_[which])
    chol = np.linalg.cholesky(gm.covariances_)
    return gm.means_[which] + np.einsum("nij,nj->ni", chol[which], eps)


def draw_interpolate(rng, n, z_dim, data, start, end, method):
    if n < 2:
        raise InvalidParameter(f"interpolation needs n >= 2 (both ends), got {n}.")
    t = np.linspace(0.0, 1.0, n)
    z = _slerp(start, end, t) if method == "slerp" else start + t[:, None] * (end - start)
    z[0], z[-1] = start, end
    return z


def draw_grid2d(rng, n, z_dim, data, x_range, y_range, cols):
    (x0, x1), (y0, y1) = x_range, y_range
    gx, gy = _grid(_ticks(x0, x1, cols), _ticks(y1, y0, n // cols))
    return np.stack([gx, gy], axis=1)
