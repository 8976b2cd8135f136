"""Seeded samplers of latent (z) points.

Call :func:`sample` with a sampler name, ``n``, ``z_dim``, ``seed`` and the sampler's
parameters (see :data:`SAMPLER_PARAMS` for names and defaults). It returns :class:`Samples`:
``z`` (float32, ``(n, z_dim)``) and ``description``, a JSON-serialisable dict holding exactly
the keyword arguments of :func:`sample` (sampler, n, z_dim, seed and every resolved parameter),
so ``sample(**description, data=data)`` regenerates identical ``z``. Encoded ``data`` is not
part of the description; samplers in :data:`NEEDS_DATA` need the same data passed again.

Samplers
--------
normal       N(mean, std^2) per component.
uniform      Uniform in [-limit, limit] per component.
pca          ``n`` points along principal axis ``axis`` of ``data``, from -span to +span
             standard deviations of that axis; other coordinates at the data mean.
pca_grid     rows x cols grid in the plane of principal axes ``axis`` (columns, left to
             right) and ``axis2`` (rows, top = +span), each from -span to +span std devs.
fitted       Gaussian fitted to ``data``, ``covariance`` "diag" or "full".
gmm          Gaussian mixture with ``components`` components fitted to ``data``.
interpolate  ``n`` points from ``start`` to ``end`` (both included), ``method`` "linear" or
             "slerp" (direction on the great circle, norm interpolated linearly).
grid2d       Regular grid for ``z_dim == 2``: columns span ``x_range`` left to right, rows span
             ``y_range`` with the top row at the highest y; row-major order.

Grid samplers use ``cols`` columns and ``n // cols`` rows; ``n`` must be a multiple of ``cols``.
``cols=None`` picks the most square layout with ``cols >= rows`` (e.g. n=12 -> 3 x 4).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.core.errors import InvalidParameter, NeedsDataError

SamplerFn = Callable[..., np.ndarray]


@dataclass(frozen=True)
class Samples:
    """Sampled latent points and the arguments that regenerate them."""

    z: np.ndarray
    description: dict[str, Any]


SAMPLER_PARAMS: dict[str, dict[str, Any]] = {
    "normal": {"mean": 0.0, "std": 1.0},
    "uniform": {"limit": 2.0},
    "pca": {"axis": 0, "span": 3.0},
    "pca_grid": {"axis": 0, "axis2": 1, "span": 3.0, "cols": None},
    "fitted": {"covariance": "diag"},
    "gmm": {"components": 5, "covariance": "diag"},
    "interpolate": {"start": None, "end": None, "method": "linear"},
    "grid2d": {"x_range": (-2.0, 2.0), "y_range": (-2.0, 2.0), "cols": None},
}
"""Parameter names and defaults per sampler (``None``: required or automatic)."""

PARAM_CHOICES: dict[str, dict[str, tuple[str, ...]]] = {
    "fitted": {"covariance": ("diag", "full")},
    "gmm": {"covariance": ("diag", "full")},
    "interpolate": {"method": ("linear", "slerp")},
}
"""Allowed values of string parameters."""

NEEDS_DATA = frozenset({"pca", "pca_grid", "fitted", "gmm"})
"""Samplers that need encoded data."""

FLOAT32_MAX = float(np.finfo(np.float32).max)
"""z-points are float32: parameters and drawn values must stay within +-this."""


# ---------------------------------------------------------------- parameter checks


def _float(name: str, value: Any, positive: bool = False) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise InvalidParameter(f"{name} must be a number, got {value!r}.") from None
    if not math.isfinite(out):
        raise InvalidParameter(f"{name} must be finite, got {value!r}.")
    if abs(out) > FLOAT32_MAX:
        raise InvalidParameter(
            f"{name} must be within float32 range (+-{FLOAT32_MAX:.3g}), got {out:g}."
        )
    if positive and out <= 0:
        raise InvalidParameter(f"{name} must be greater than 0, got {value!r}.")
    return out


def _int(name: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidParameter(f"{name} must be a whole number, got {value!r}.")
    out = int(value)
    if out < low or (high is not None and out > high):
        allowed = f"at least {low}" if high is None else f"between {low} and {high}"
        raise InvalidParameter(f"{name} must be {allowed}, got {out}.")
    return out


def _choice(sampler: str, name: str, value: Any) -> str:
    allowed = PARAM_CHOICES[sampler][name]
    if value not in allowed:
        raise InvalidParameter(f"{name} must be one of {', '.join(allowed)}; got {value!r}.")
    return str(value)


def _vector(name: str, value: Any, z_dim: int) -> np.ndarray:
    if value is None:
        raise InvalidParameter(f"{name} is required: a vector of {z_dim} numbers.")
    try:
        vec = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidParameter(f"{name} must be a vector of {z_dim} numbers.") from None
    if vec.shape != (z_dim,):
        raise InvalidParameter(f"{name} must have {z_dim} values (z_dim), got shape {vec.shape}.")
    if not np.all(np.isfinite(vec)):
        raise InvalidParameter(f"{name} must contain only finite numbers.")
    if np.abs(vec).max() > FLOAT32_MAX:
        raise InvalidParameter(f"{name} must stay within float32 range (+-{FLOAT32_MAX:.3g}).")
    return vec


def _range(name: str, value: Any) -> tuple[float, float]:
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise InvalidParameter(f"{name} must be a pair (low, high), got {value!r}.") from None
    lo, hi = _float(name, lo), _float(name, hi)
    if lo >= hi:
        raise InvalidParameter(f"{name} must have low < high, got ({lo}, {hi}).")
    return lo, hi


def _grid_shape(n: int, cols: Any) -> tuple[int, int]:
    """Return (rows, cols) for ``n`` grid points."""
    if cols is None:
        rows = max(d for d in range(1, math.isqrt(n) + 1) if n % d == 0)
        return rows, n // rows
    cols = _int("cols", cols, 1, n)
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


# ---------------------------------------------------------------- samplers
# Each takes (rng, n, z_dim, data, **params), returns (z, resolved params).


def _normal(rng, n, z_dim, data, mean, std):
    mean, std = _float("mean", mean), _float("std", std, positive=True)
    return rng.normal(mean, std, size=(n, z_dim)), {"mean": mean, "std": std}


def _uniform(rng, n, z_dim, data, limit):
    limit = _float("limit", limit, positive=True)
    return rng.uniform(-limit, limit, size=(n, z_dim)), {"limit": limit}


def _pca_basis(data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, per-axis standard deviations and unit axes (rows) of the data's PCA."""
    if len(data) < 2:
        raise InvalidParameter("PCA needs at least 2 encoded points.")
    mean = data.mean(axis=0)
    _, s, vt = np.linalg.svd(data - mean, full_matrices=False)
    signs = np.sign(vt[np.arange(len(vt)), np.argmax(np.abs(vt), axis=1)])
    return mean, s / math.sqrt(len(data) - 1), vt * signs[:, None]


def _pca_axis(name: str, value: Any, z_dim: int, n_axes: int) -> int:
    axis, count = _int(name, value, 0), min(z_dim, n_axes)
    if axis >= count:
        raise InvalidParameter(f"{name} must be below {count} (the number of principal axes).")
    return axis


def _pca(rng, n, z_dim, data, axis, span):
    mean, std, axes = _pca_basis(data)
    axis, span = _pca_axis("axis", axis, z_dim, len(axes)), _float("span", span, positive=True)
    t = _ticks(-span, span, n) * std[axis]
    return mean + t[:, None] * axes[axis], {"axis": axis, "span": span}


def _pca_grid(rng, n, z_dim, data, axis, axis2, span, cols):
    mean, std, axes = _pca_basis(data)
    axis = _pca_axis("axis", axis, z_dim, len(axes))
    axis2 = _pca_axis("axis2", axis2, z_dim, len(axes))
    if axis == axis2:
        raise InvalidParameter(f"axis and axis2 must differ, both are {axis}.")
    span = _float("span", span, positive=True)
    rows, cols = _grid_shape(n, cols)
    tx, ty = _grid(_ticks(-span, span, cols), _ticks(span, -span, rows))
    z = mean + (tx * std[axis])[:, None] * axes[axis] + (ty * std[axis2])[:, None] * axes[axis2]
    return z, {"axis": axis, "axis2": axis2, "span": span, "cols": cols}


def _fitted(rng, n, z_dim, data, covariance):
    covariance = _choice("fitted", "covariance", covariance)
    if len(data) < 2:
        raise InvalidParameter("fitting a Gaussian needs at least 2 encoded points.")
    mean = data.mean(axis=0)
    if covariance == "diag":
        z = mean + rng.standard_normal((n, z_dim)) * data.std(axis=0, ddof=1)
    else:
        z = rng.multivariate_normal(mean, np.cov(data, rowvar=False).reshape(z_dim, z_dim), n)
    return z, {"covariance": covariance}


def _gmm(rng, n, z_dim, data, components, covariance):
    from sklearn.mixture import GaussianMixture

    k = _int("components", components, 1, len(data))
    covariance = _choice("gmm", "covariance", covariance)
    seed = int(rng.integers(2**31 - 1))
    gm = GaussianMixture(k, covariance_type=covariance, random_state=seed).fit(data)
    which = rng.choice(k, size=n, p=gm.weights_ / gm.weights_.sum())
    eps = rng.standard_normal((n, z_dim))
    if covariance == "diag":
        z = gm.means_[which] + eps * np.sqrt(gm.covariances_[which])
    else:
        chol = np.linalg.cholesky(gm.covariances_)
        z = gm.means_[which] + np.einsum("nij,nj->ni", chol[which], eps)
    return z, {"components": k, "covariance": covariance}


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


def _interpolate(rng, n, z_dim, data, start, end, method):
    if n < 2:
        raise InvalidParameter(f"interpolation needs n >= 2 (both ends), got {n}.")
    a, b = _vector("start", start, z_dim), _vector("end", end, z_dim)
    method = _choice("interpolate", "method", method)
    t = np.linspace(0.0, 1.0, n)
    z = _slerp(a, b, t) if method == "slerp" else a + t[:, None] * (b - a)
    z[0], z[-1] = a, b
    return z, {"start": a.tolist(), "end": b.tolist(), "method": method}


def _grid2d(rng, n, z_dim, data, x_range, y_range, cols):
    if z_dim != 2:
        raise InvalidParameter(f"the 'grid2d' sampler needs z_dim 2, this model has {z_dim}.")
    (x0, x1), (y0, y1) = _range("x_range", x_range), _range("y_range", y_range)
    rows, cols = _grid_shape(n, cols)
    gx, gy = _grid(_ticks(x0, x1, cols), _ticks(y1, y0, rows))
    return np.stack([gx, gy], axis=1), {"x_range": [x0, x1], "y_range": [y0, y1], "cols": cols}


SAMPLERS: dict[str, SamplerFn] = {
    "normal": _normal,
    "uniform": _uniform,
    "pca": _pca,
    "pca_grid": _pca_grid,
    "fitted": _fitted,
    "gmm": _gmm,
    "interpolate": _interpolate,
    "grid2d": _grid2d,
}
"""Sampler name -> function ``(rng, n, z_dim, data, **params) -> (z, resolved params)``."""


def _check_data(sampler: str, data: np.ndarray | None, z_dim: int) -> np.ndarray | None:
    if sampler not in NEEDS_DATA:
        return None
    if data is None:
        raise NeedsDataError(
            f"the '{sampler}' sampler needs encoded data: pass a data set (--dataset)."
        )
    if len(data) == 0:
        raise NeedsDataError(f"the '{sampler}' sampler needs encoded data; the data set gave none.")
    arr = np.asarray(data, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != z_dim:
        raise InvalidParameter(f"encoded data must have shape (points, {z_dim}), got {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise InvalidParameter("encoded data contains NaN or infinite values.")
    return arr


def _float32_z(sampler: str, z: np.ndarray, resolved: dict[str, Any]) -> np.ndarray:
    """``z`` as contiguous float32; :class:`InvalidParameter` naming the parameters if any
    value overflows float32."""
    with np.errstate(over="ignore", invalid="ignore"):
        z32 = np.ascontiguousarray(z, dtype=np.float32)
    if np.all(np.isfinite(z32)):
        return z32
    named = ", ".join(f"{k}={v:g}" for k, v in resolved.items() if isinstance(v, float))
    cause = f" with {named}; use smaller values" if named else "; the encoded data are too large"
    raise InvalidParameter(f"the '{sampler}' sampler's z-points overflow float32{cause}.")


def sample(
    sampler: str,
    n: int,
    z_dim: int,
    seed: int = 0,
    data: np.ndarray | None = None,
    **params: Any,
) -> Samples:
    """Draw ``n`` latent points with the named sampler.

    Parameters
    ----------
    sampler : one of :data:`SAMPLERS`.
    n, z_dim : number of points and latent dimension (both >= 1).
    seed : non-negative seed of ``np.random.default_rng``.
    data : encoded points ``(m, z_dim)``, required by samplers in :data:`NEEDS_DATA`.
    **params : sampler parameters, see :data:`SAMPLER_PARAMS`; missing ones use defaults.

    Returns
    -------
    Samples with ``z`` float32 ``(n, z_dim)`` and a JSON-serialisable ``description``.

    Raises
    ------
    InvalidParameter for any bad argument; NeedsDataError when data is required but missing.
    """
    if sampler not in SAMPLERS:
        raise InvalidParameter(f"unknown sampler {sampler!r}; known: {', '.join(SAMPLERS)}.")
    n, z_dim, seed = _int("n", n, 1), _int("z_dim", z_dim, 1), _int("seed", seed, 0)
    unknown = sorted(set(params) - set(SAMPLER_PARAMS[sampler]))
    if unknown:
        known = ", ".join(SAMPLER_PARAMS[sampler]) or "none"
        raise InvalidParameter(
            f"unknown parameter(s) {', '.join(unknown)} for sampler '{sampler}'; known: {known}."
        )
    arr = _check_data(sampler, data, z_dim)
    rng = np.random.default_rng(seed)
    z, resolved = SAMPLERS[sampler](rng, n, z_dim, arr, **{**SAMPLER_PARAMS[sampler], **params})
    description = {"sampler": sampler, "n": n, "z_dim": z_dim, "seed": seed, **resolved}
    return Samples(z=_float32_z(sampler, z, resolved), description=description)
