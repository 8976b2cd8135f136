"""What the window computes for its model slots, as plain functions it runs in workers
(``fn(state, ...)``): no Qt, no TensorFlow.

They turn the sampler panel's values (:class:`SamplerRequest`: a sampler's parameters as the
command line and the window give them, image indices for vectors) into core calls: grid
samples for A and B, the summary of a slot's encoded data, and the live summary of the
current sampler (radii, expected radius, hit rate, per-component histograms of a few
thousand draws).

Each slot's data-derived points come from that slot's own encodings; only a data-free sampler
(normal, uniform, 2-D grid, ...) gives two slots of one z_dim the same z-points, when asked.
A slot's data reach the samplers as :class:`~explorer.core.latent.sampling.LatentData` (z, a
VAE's mu, labels, image indices); image indices given for vectors become the image's mu for a
VAE (z for an AE), as on the command line. A sampler that fixes its own layout (traverse:
rows = components, cols = steps) overrides the panel's rows x cols.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.core.latent.samplers import get_sampler
from explorer.core.latent.sampling import LatentData, layout
from explorer.core.progress import TaskState

N_DRAWS = 2000  # draws of the current sampler for its histograms and hit rate


@dataclass
class SlotData:
    """What a worker needs of a loaded slot (plain arrays)."""

    z_dim: int
    z: np.ndarray
    indices: np.ndarray | None = None
    stats: Any = None  # ComponentStats of z
    mu: np.ndarray | None = None  # a VAE's means
    labels: np.ndarray | None = None  # (m,) classes or (m, k) 0/1 attributes
    label_names: list[str] | None = None

    @classmethod
    def of(cls, z_dim: int, enc: Any, stats: Any = None) -> SlotData:
        """From a slot's ``Encodings``."""
        return cls(
            z_dim, enc.z, enc.indices, stats, enc.mu, enc.labels, getattr(enc, "label_names", None)
        )


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
    """The image's mu for a VAE, z for an AE (as the command line encodes it)."""
    latent = LatentData.of(data)
    assert latent is not None, "slot data hold z"
    return latent.using(latent.points("mu")).image(index)


def grid_layout(req: SamplerRequest, data: SlotData, params: dict[str, Any]) -> tuple[int, int]:
    """Rows x cols for ``data``'s model: the sampler's own layout, else the panel's."""
    fixed = layout(req.sampler, data.z_dim, LatentData.of(data), **params)
    return fixed or (req.rows, req.cols)


def shares_points(req: SamplerRequest, z_dims: list[int]) -> bool:
    """Whether the slots decode the very same z-points: asked for (``same``), a data-free
    sampler (one that derives points from a model's encodings gives each model its own,
    :attr:`SamplerSpec.data_free`) and one z_dim."""
    return req.same and get_sampler(req.sampler).data_free and len(set(z_dims)) == 1


def _owners(req: SamplerRequest, slots: dict[str, SlotData]) -> dict[str, str]:
    """Whose z-points each slot decodes: the first slot's when they share (see
    :func:`shares_points`), else its own, drawn from its own data with the same seed."""
    names = sorted(slots)
    share = shares_points(req, [slots[n].z_dim for n in names])
    return {n: (names[0] if share else n) for n in names}


def grid_samples(state: TaskState, req: SamplerRequest, slots: dict[str, SlotData]) -> dict:
    """``{slot: (GridSpec, Samples)}``; shared z-points are the same array object."""
    from explorer.core.latent.grids import GridSpec, sample_z
    from explorer.core.util.imaging import DEFAULT_SHARPEN

    out: dict[str, Any] = {}
    owners = _owners(req, slots)
    for name in sorted(slots):
        owner = slots[owners[name]]
        params = core_params(req, owner)
        rows, cols = grid_layout(req, owner, params)
        spec = GridSpec(req.sampler, params, rows, cols, req.seed, sharpen=dict(DEFAULT_SHARPEN))
        if owners[name] != name and owners[name] in out:
            out[name] = (spec, out[owners[name]][1])
        else:
            out[name] = (spec, sample_z(spec, owner.z_dim, LatentData.of(owner)))
        state.check()
    return out


def data_summary(
    state: TaskState, z: np.ndarray, mu: np.ndarray | None, logvar: np.ndarray | None
) -> dict[str, Any]:
    """Radii, component statistics and (for a VAE) diagnostics of encoded data."""
    from explorer.core.stats.components import component_stats
    from explorer.core.stats.histograms import radius
    from explorer.core.stats.vae_diagnostics import vae_diagnostics

    z = np.asarray(z)
    out: dict[str, Any] = {"radii": radius(z), "stats": component_stats(z, state=state)}
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
    draws: dict[str, np.ndarray] = {}
    out: dict[str, Any] = {}
    for name in sorted(slots):
        data, owner = slots[name], slots[owners[name]]
        if owners[name] in draws:
            z = draws[owners[name]]
        else:
            params = core_params(req, owner)
            n = N_DRAWS
            if grid:
                rows, cols = grid_layout(req, owner, params)
                n = rows * cols
                params.setdefault("cols", cols)
            latent = LatentData.of(owner)
            z = sample(req.sampler, n, owner.z_dim, seed=req.seed, data=latent, **params).z
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
