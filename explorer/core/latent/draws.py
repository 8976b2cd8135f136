"""The draw functions of the samplers declared in :mod:`explorer.core.latent.samplers`.

Each takes ``(rng, n, z_dim, data, **params)``, its parameters already checked against their
declaration (grid samplers also get ``cols``, with ``n`` a multiple of it), and returns the
z-points ``(n, z_dim)``; it raises :class:`InvalidParameter` only for what no single
parameter's declaration can check (two axes that must differ, too few encoded points).

Samplers that declare which encoding they use (``data="mu"``) get ``data`` as a
:class:`LatentData` (its ``z`` the chosen encoding, with labels and image indices), or
``None`` without data; the others get the encoded z-points as an array.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from explorer.core.errors import InvalidParameter, NeedsDataError
from explorer.core.param_checks import check_int, parse_base


@dataclass(frozen=True)
class LatentData:
    """Encoded data as the samplers get them: ``z`` (m, z_dim) always; ``mu`` for a VAE;
    ``labels`` (m,) classes or (m, k) 0/1 attributes with their ``label_names``; ``indices``
    of the data set images the rows belong to (``None``: row i is image i)."""

    z: np.ndarray
    mu: np.ndarray | None = None
    labels: np.ndarray | None = None
    label_names: tuple[str, ...] | None = None
    indices: np.ndarray | None = None

    @classmethod
    def of(cls, data: Any) -> LatentData | None:
        """``data`` as LatentData: an array of z-points, or anything with ``z`` (and
        optionally ``mu``, ``labels``, ``label_names``, ``indices``: Encodings, SlotData)."""
        if data is None or isinstance(data, LatentData):
            return data
        if not hasattr(data, "z"):
            return cls(np.asarray(data))
        names = getattr(data, "label_names", None)
        return cls(
            np.asarray(data.z),
            mu=getattr(data, "mu", None),
            labels=getattr(data, "labels", None),
            label_names=None if names is None else tuple(str(v) for v in names),
            indices=getattr(data, "indices", None),
        )

    def points(self, source: str) -> np.ndarray:
        """``mu`` for "mu" when there is one, else ``z``."""
        return self.mu if source == "mu" and self.mu is not None else self.z

    def using(self, points: np.ndarray) -> LatentData:
        """The same data with ``points`` as its z (and no mu): what a sampler gets."""
        return replace(self, z=points, mu=None)

    def image(self, index: int) -> np.ndarray:
        """The z of data set image ``index``; InvalidParameter when it was not encoded."""
        rows = np.arange(len(self.z)) if self.indices is None else np.asarray(self.indices)
        found = np.flatnonzero(rows == index)
        if found.size == 0:
            raise InvalidParameter(f"image #{index} is not among the encoded images.")
        return np.asarray(self.z[found[0]], dtype=np.float64)


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


def draw_normal(
    rng: np.random.Generator, n: int, z_dim: int, data: object, mean: float, std: float
) -> np.ndarray:
    return rng.normal(mean, std, size=(n, z_dim))


def draw_uniform(
    rng: np.random.Generator, n: int, z_dim: int, data: object, limit: float
) -> np.ndarray:
    return rng.uniform(-limit, limit, size=(n, z_dim))


def draw_pca(
    rng: np.random.Generator, n: int, z_dim: int, data: np.ndarray, axis: int, span: float
) -> np.ndarray:
    mean, std, axes = _pca_basis(data)
    t = _ticks(-span, span, n) * std[axis]
    return mean + t[:, None] * axes[axis]


def draw_pca_grid(
    rng: np.random.Generator,
    n: int,
    z_dim: int,
    data: np.ndarray,
    axis: int,
    axis2: int,
    span: float,
    cols: int,
) -> np.ndarray:
    if axis == axis2:
        raise InvalidParameter(f"axis and axis2 must differ, both are {axis}.")
    mean, std, axes = _pca_basis(data)
    tx, ty = _grid(_ticks(-span, span, cols), _ticks(span, -span, n // cols))
    return mean + (tx * std[axis])[:, None] * axes[axis] + (ty * std[axis2])[:, None] * axes[axis2]


def draw_fitted(
    rng: np.random.Generator, n: int, z_dim: int, data: np.ndarray, covariance: str
) -> np.ndarray:
    if len(data) < 2:
        raise InvalidParameter("fitting a Gaussian needs at least 2 encoded points.")
    mean = data.mean(axis=0)
    if covariance == "diag":
        return mean + rng.standard_normal((n, z_dim)) * data.std(axis=0, ddof=1)
    return rng.multivariate_normal(mean, np.cov(data, rowvar=False).reshape(z_dim, z_dim), n)


def draw_gmm(
    rng: np.random.Generator, n: int, z_dim: int, data: np.ndarray, components: int, covariance: str
) -> np.ndarray:
    from sklearn.mixture import GaussianMixture

    seed = int(rng.integers(2**31 - 1))
    gm = GaussianMixture(components, covariance_type=covariance, random_state=seed).fit(data)
    which = rng.choice(components, size=n, p=gm.weights_ / gm.weights_.sum())
    eps = rng.standard_normal((n, z_dim))
    if covariance == "diag":
        return gm.means_[which] + eps * np.sqrt(gm.covariances_[which])
    chol = np.linalg.cholesky(gm.covariances_)
    return gm.means_[which] + np.einsum("nij,nj->ni", chol[which], eps)


def draw_interpolate(
    rng: np.random.Generator,
    n: int,
    z_dim: int,
    data: object,
    start: np.ndarray,
    end: np.ndarray,
    method: str,
) -> np.ndarray:
    if n < 2:
        raise InvalidParameter(f"interpolation needs n >= 2 (both ends), got {n}.")
    t = np.linspace(0.0, 1.0, n)
    z = _slerp(start, end, t) if method == "slerp" else start + t[:, None] * (end - start)
    z[0], z[-1] = start, end
    return z


def draw_grid2d(
    rng: np.random.Generator,
    n: int,
    z_dim: int,
    data: object,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    cols: int,
) -> np.ndarray:
    (x0, x1), (y0, y1) = x_range, y_range
    gx, gy = _grid(_ticks(x0, x1, cols), _ticks(y1, y0, n // cols))
    return np.stack([gx, gy], axis=1)


# ---------------------------------------------------------------- traverse


TRAVERSE_ROWS = 8  # components traversed when neither dims nor pca_axes is given


def resolve_traverse(values: dict, z_dim: int, data: LatentData | None) -> dict:
    """One of dims and pca_axes (neither: the first components); base ``mean`` without data is
    the origin; principal axes and image bases need data."""
    if values["dims"] is not None and values["pca_axes"] is not None:
        raise InvalidParameter("give dims or pca_axes, not both.")
    if values["dims"] is None and values["pca_axes"] is None:
        values["dims"] = tuple(range(min(z_dim, TRAVERSE_ROWS)))
    kind, _ = parse_base(values["base"])
    if data is None:
        if values["pca_axes"] is not None or kind == "index":
            what = "principal axes" if values["pca_axes"] is not None else f"base {values['base']}"
            raise NeedsDataError(
                f"the 'traverse' sampler's {what} need encoded data: pass a data set (--dataset)."
            )
        values["base"] = "origin"
    return values


def traverse_layout(values: dict) -> tuple[int, int]:
    """Rows: one per component or axis; columns: the steps."""
    return len(values["dims"] or values["pca_axes"]), values["steps"]


def base_point(base: str, z_dim: int, data: LatentData | None) -> np.ndarray:
    kind, index = parse_base(base)
    if kind == "origin" or data is None:
        return np.zeros(z_dim)
    if index is not None:  # kind "index"
        return data.image(index)
    return data.z.mean(axis=0)


def draw_traverse(
    rng: np.random.Generator,
    n: int,
    z_dim: int,
    data: LatentData | None,
    dims: Sequence[int] | None,
    pca_axes: Sequence[int] | None,
    steps: int,
    span: float,
    base: str,
    cols: int,
) -> np.ndarray:
    if data is not None and len(data.z) < 2:
        raise InvalidParameter("traverse needs at least 2 encoded points (for the spreads).")
    origin = base_point(base, z_dim, data)
    if pca_axes is not None:
        assert data is not None, "resolve_traverse asks for data with principal axes"
        _, std, axes = _pca_basis(data.z)
        directions, scales = axes[list(pca_axes)], std[list(pca_axes)]
    else:
        assert dims is not None, "resolve_traverse sets dims without principal axes"
        directions = np.eye(z_dim)[list(dims)]
        scales = np.ones(len(dims)) if data is None else data.z[:, list(dims)].std(axis=0, ddof=1)
    t = _ticks(-span, span, steps)
    offsets = (scales[:, None, None] * t[None, :, None]) * directions[:, None, :]
    return (origin + offsets).reshape(-1, z_dim)


# ---------------------------------------------------------------- attribute


def label_mask(data: LatentData, name: str, what: str) -> np.ndarray:
    """Which points carry the label or attribute ``name``: a class (its name in
    ``label_names``, or its number) of (m,) labels, or a column of (m, k) 0/1 attributes."""
    if data.labels is None:
        raise InvalidParameter(
            "the 'attribute' sampler needs a data set with labels or attributes; this one has none."
        )
    labels = np.asarray(data.labels)
    if labels.ndim == 2:
        names = list(data.label_names or [f"label_{c}" for c in range(labels.shape[1])])
    else:
        classes = np.unique(labels).tolist()
        names = list(data.label_names or [str(c) for c in classes])
    lowered = [str(v).lower() for v in names]
    if name in names:
        column = names.index(name)
    elif name.lower() in lowered:
        column = lowered.index(name.lower())
    elif labels.ndim == 1 and name.lstrip("-").isdigit() and int(name) in classes:
        return labels == int(name)
    else:
        shown = ", ".join(names[:40]) + (", ..." if len(names) > 40 else "")
        raise InvalidParameter(f"{what} {name!r} is not a label of the data; known: {shown}.")
    if labels.ndim == 2:
        return labels[:, column] > 0
    return labels == (column if data.label_names else int(names[column]))


def resolve_attribute(values: dict, z_dim: int, data: LatentData | None) -> dict:
    if values["attribute"] is None:
        raise InvalidParameter(
            "attribute is required: a label or attribute name such as 3 or Smiling."
        )
    if values["bases"] is None:
        raise InvalidParameter("bases is required: data set images such as 10,20.")
    return values


def attribute_layout(values: dict) -> tuple[int, int]:
    """Rows: one per base point; columns: the steps."""
    return len(values["bases"]), values["steps"]


def attribute_vector(data: LatentData, attribute: str, to: str | None) -> np.ndarray:
    """mean(with attribute) - mean(without), or mean(class ``to``) - mean(class ``attribute``)."""
    has = label_mask(data, attribute, "attribute")
    if to is None:
        ends = {f"without {attribute}": ~has, f"with {attribute}": has}
    else:
        ends = {attribute: has, to: label_mask(data, to, "to")}
    for what, mask in ends.items():
        if not mask.any():
            raise InvalidParameter(f"no encoded point is {what}.")
    start, end = (data.z[mask].mean(axis=0) for mask in ends.values())
    return end - start


def draw_attribute(
    rng: np.random.Generator,
    n: int,
    z_dim: int,
    data: LatentData,
    attribute: str,
    to: str | None,
    bases: Sequence[int],
    steps: int,
    alpha: tuple[float, float],
    cols: int,
) -> np.ndarray:
    vector = attribute_vector(data, attribute, to)
    points = np.stack([data.image(i) for i in bases])
    t = _ticks(alpha[0], alpha[1], steps)
    return (points[:, None, :] + t[None, :, None] * vector).reshape(-1, z_dim)
