"""What the window computes for its model slots, as plain functions it runs in workers
(``fn(state, ...)``): no Qt, no TensorFlow.

They turn the sampler panel's values (:class:`SamplerRequest`: a sampler's parameters as the
command line and the window give them, image indices for vectors) into core calls: grid
samples for A and B, the summary of a slot's encoded data, and the live summary of the
current sampler (radii, expected radius, hit rate, per-component histograms of a few
thousand draws).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.core.errors import InvalidParameter
from explorer.core.latent.samplers import get_sampler
from explorer.core.progress import TaskState

N_DRAWS = 2000  # draws of the current sampler for its histograms and hit rate


@dataclass
class SlotData:
    """What a worker needs of a loaded slot (plain arrays)."""

    z_dim: int
    z: np.ndarray
    indices: np.ndarray | None = None
    stats: Any = None  # ComponentStats of z


@dataclass
class SamplerRequest:
    sampler: str
    params: dict[str, Any]  # by Param.key, as the sampler panel gives them
    rows: int
    cols: int
    seed: int
    same: bool


def core_params(req: SamplerRequest, data: SlotData) -> dict[str, Any]:
    """Sampler keyword arguments for ``data``'s model (image indices become z-vectors)."""
    params = dict(req.params)
    for p in get_sampler(req.sampler).index_params:
        params[p.name] = _z_of_image(data, params.pop(p.key))
    return params


def _z_of_image(data: SlotData, index: int) -> np.ndarray:
    rows = np.arange(len(data.z)) if data.indices is None else np.asarray(data.indices)
    found = np.flatnonzero(rows == index)
    if found.size == 0:
        raise InvalidParameter(f"image #{index} is not among the encoded images")
    return np.asarray(data.z[found[0]], dtype=np.float64)


def _owners(req: SamplerRequest, slots: dict[str, SlotData]) -> dict[str, str]:
    """Which slot's data each slot samples from (the first slot when sharing z-points)."""
    names = sorted(slots)
    share = req.same and len({slots[n].z_dim for n in names}) == 1
    return {n: (names[0] if share else n) for n in names}


def grid_samples(state: TaskState, req: SamplerRequest, slots: dict[str, SlotData]) -> dict:
    """``{slot: (GridSpec, Samples)}``; shared z-points are the same array object."""
    from explorer.core.latent.grids import DEFAULT_SHARPEN, GridSpec, sample_z

    out: dict[str, Any] = {}
    owners = _owners(req, slots)
    for name in sorted(slots):
        owner = slots[owners[name]]
        spec = GridSpec(
            req.sampler,
            core_params(req, owner),
            req.rows,
            req.cols,
            req.seed,
            sharpen=dict(DEFAULT_SHARPEN),
        )
        if owners[name] != name and owners[name] in out:
            out[name] = (spec, out[owners[name]][1])
        else:
            out[name] = (spec, sample_z(spec, owner.z_dim, owner.z))
        state.check()
    return out


def data_summary(state: TaskState, z: np.ndarray, mu, logvar) -> dict[str, Any]:
    """Radii, component statistics and (for a VAE) diagnostics of encoded data."""
    from explorer.core.stats.components import component_stats
    from explorer.core.stats.histograms import radius
    from explorer.core.stats.vae_diagnostics import vae_diagnostics

    z = np.asarray(z)
    out = {"radii": radius(z), "stats": component_stats(z, state=state)}
    state.check()
    if mu is not None and logvar is not None:
        out["diagnostics"] = vae_diagnostics(mu, logvar, z)
    return out


def sampler_summary(state: TaskState, req: SamplerRequest, slots: dict[str, SlotData]) -> dict:
    """Per slot: draws' radii, expected radius, hit rate and component histograms."""
    from explorer.core.latent.sampling import sample
    from explorer.core.stats.histograms import component_histograms, radius
    from explorer.core.stats.hits import expected_radius, hit_rate

    owners = _owners(req, slots)
    grid = get_sampler(req.sampler).grid
    n = req.rows * req.cols if grid else N_DRAWS
    draws: dict[str, np.ndarray] = {}
    out: dict[str, Any] = {}
    for name in sorted(slots):
        data, owner = slots[name], slots[owners[name]]
        if owners[name] in draws:
            z = draws[owners[name]]
        else:
            params = core_params(req, owner)
            if grid:
                params.setdefault("cols", req.cols)
            z = sample(req.sampler, n, owner.z_dim, seed=req.seed, data=owner.z, **params).z
            draws[name] = z
        state.check()
        expected = expected_radius(req.sampler, data.z_dim, **req.params)  # None: no formula
        hist = None
        if data.stats is not None:
            limits = data.stats.histograms.range
            hist = component_histograms(z, bins=len(data.stats.histograms.centers), range=limits)
        out[name] = {
            "radii": radius(z),
            "expected": expected,
            "hits": hit_rate(z, data.z, stats=data.stats),
            "component_counts": None if hist is None else hist.counts,
            "n": len(z),
            "z_dim": data.z_dim,
            "shared": owners[name] != name,
        }
    return out
