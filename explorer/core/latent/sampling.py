"""Seeded samples of latent (z) points from the samplers declared in
:mod:`explorer.core.latent.samplers`.

Call :func:`sample` with a sampler name, ``n``, ``z_dim``, ``seed`` and the sampler's
parameters (see :data:`~explorer.core.latent.samplers.SAMPLERS` for names and defaults). It
returns :class:`Samples`: ``z`` (float32, ``(n, z_dim)``) and ``description``, a
JSON-serialisable dict holding exactly the keyword arguments of :func:`sample` (sampler, n,
z_dim, seed and every resolved parameter), so ``sample(**description, data=data)``
regenerates identical ``z``. Encoded ``data`` is not part of the description; samplers that
use data need the same data passed again.

``data`` is an array of encoded z-points, or :class:`LatentData` (z, a VAE's mu, labels,
image indices; anything with a ``z`` such as ``Encodings`` is read as one). Samplers that
declare ``data="mu"`` take a VAE's means for every data-derived quantity (means, spreads,
class means, base points) and record ``data_from`` ("mu", or "z" when the data have no mu).
:func:`layout` gives the rows x cols a sampler fixes from its parameters (traverse).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.core.errors import InvalidParameter, NeedsDataError
from explorer.core.latent.draws import LatentData, grid_shape
from explorer.core.latent.sampler_spec import SamplerSpec
from explorer.core.latent.samplers import get_sampler
from explorer.core.param_checks import check_int
from explorer.core.params import Limits, to_json


@dataclass(frozen=True)
class Samples:
    """Sampled latent points and the arguments that regenerate them."""

    z: np.ndarray
    description: dict[str, Any]


__all__ = ["LatentData", "Samples", "layout", "sample"]


def _check_data(spec: SamplerSpec, data: np.ndarray | None, z_dim: int) -> np.ndarray | None:
    if not spec.uses_data or (data is None and not spec.needs_data):
        return None
    if data is None:
        raise NeedsDataError(
            f"the '{spec.name}' sampler needs encoded data: pass a data set (--dataset)."
        )
    if len(data) == 0:
        raise NeedsDataError(
            f"the '{spec.name}' sampler needs encoded data; the data set gave none."
        )
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


def _data_from(spec: SamplerSpec, latent: LatentData | None, asked: Any) -> str | None:
    """Which encoding the sampler takes: ``asked`` ("z"/"mu", default its declaration); "z"
    when the data have no mu."""
    if spec.data is None:
        if asked is not None:
            raise InvalidParameter(f"data_from does not apply to the '{spec.name}' sampler.")
        return None
    asked = spec.data if asked is None else asked
    if asked not in ("z", "mu"):
        raise InvalidParameter(f"data_from must be z or mu, got {asked!r}.")
    return "mu" if asked == "mu" and latent is not None and latent.mu is not None else "z"


def _resolve(
    spec: SamplerSpec, z_dim: int, data: Any, params: dict[str, Any]
) -> tuple[dict[str, Any], Any]:
    """The sampler's parameters checked against their declarations (defaults for the
    missing ones, then its own resolve step) and the data its draw function gets."""
    if spec.z_dim is not None and z_dim != spec.z_dim:
        raise InvalidParameter(
            f"the '{spec.name}' sampler needs z_dim {spec.z_dim}, this model has {z_dim}."
        )
    latent = LatentData.of(data)
    source = _data_from(spec, latent, params.get("data_from"))
    points = _check_data(spec, None if latent is None else latent.points(source or "z"), z_dim)
    drawn: Any = points
    if spec.data is not None and latent is not None and points is not None:
        drawn = latent.using(points)  # (points come from latent)
    limits = Limits(z_dim=z_dim, points=None if points is None else len(points))
    values = {p.name: p.check(params.get(p.name, p.default), limits, p.name) for p in spec.params}
    if spec.resolve is not None:
        values = spec.resolve(values, z_dim, drawn)
    if source is not None:
        values["data_from"] = source if points is not None else None
    return values, drawn


def layout(sampler: str, z_dim: int, data: Any = None, **params: Any) -> tuple[int, int] | None:
    """The rows x cols the sampler fixes from its parameters (``None``: the caller's grid)."""
    spec = get_sampler(sampler)
    if spec.layout is None:
        return None
    values, _ = _resolve(spec, z_dim, data, params)
    return spec.layout(values)


def _check_params(
    spec: SamplerSpec, n: int, z_dim: int, data: Any, params: dict[str, Any]
) -> tuple[dict[str, Any], Any]:
    """The sampler's keyword arguments, each checked against its declaration (defaults for
    the missing ones; ``cols`` resolved for grid samplers), and its draw function's data."""
    values, drawn = _resolve(spec, z_dim, data, params)
    if spec.layout is not None:
        rows, cols = spec.layout(values)
        if n != rows * cols or params.get("cols") not in (None, cols):
            raise InvalidParameter(
                f"the '{spec.name}' sampler lays out {rows} x {cols} points: n must be "
                f"{rows * cols} and cols {cols}, got n={n}, cols={params.get('cols')}."
            )
        values["cols"] = cols
    elif spec.grid:
        values["cols"] = grid_shape(n, params.get("cols"))[1]
    return values, drawn


def sample(
    sampler: str,
    n: int,
    z_dim: int,
    seed: int = 0,
    data: np.ndarray | LatentData | None = None,
    **params: Any,
) -> Samples:
    """Draw ``n`` latent points with the named sampler.

    Parameters
    ----------
    sampler : a name in :data:`~explorer.core.latent.samplers.SAMPLERS`.
    n, z_dim : number of points and latent dimension (both >= 1).
    seed : non-negative seed of ``np.random.default_rng``.
    data : encoded points ``(m, z_dim)`` or :class:`LatentData`, required by samplers that
        declare ``needs_data`` and used when given by those that declare ``data``.
    **params : the sampler's parameters as declared; missing ones use their defaults.

    Returns
    -------
    Samples with ``z`` float32 ``(n, z_dim)`` and a JSON-serialisable ``description``.

    Raises
    ------
    InvalidParameter for any bad argument; NeedsDataError when data is required but missing.
    """
    spec = get_sampler(sampler)
    n, z_dim, seed = check_int("n", n, 1), check_int("z_dim", z_dim, 1), check_int("seed", seed, 0)
    if unknown := sorted(set(params) - set(spec.keywords)):
        known = ", ".join(spec.keywords) or "none"
        raise InvalidParameter(
            f"unknown parameter(s) {', '.join(unknown)} for sampler '{sampler}'; known: {known}."
        )
    values, drawn = _check_params(spec, n, z_dim, data, params)
    kwargs = {k: v for k, v in values.items() if k != "data_from"}
    z = spec.draw(np.random.default_rng(seed), n, z_dim, drawn, **kwargs)
    resolved = {k: to_json(v) for k, v in values.items()}
    description = {"sampler": sampler, "n": n, "z_dim": z_dim, "seed": seed, **resolved}
    return Samples(z=_float32_z(sampler, z, resolved), description=description)
