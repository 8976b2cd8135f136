"""The declaration of one sampler (:class:`SamplerSpec`); the declarations themselves are in
:mod:`explorer.core.latent.samplers`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from explorer.core.params import Param

DrawFn = Callable[..., np.ndarray]


@dataclass(frozen=True)
class SamplerSpec:
    """One sampler: everything the core, the command line and the window need to know."""

    name: str
    label: str  # in the window's menu
    draw: DrawFn  # (rng, n, z_dim, data, **checked params) -> z (n, z_dim)
    params: tuple[Param, ...] = ()
    needs_data: bool = False  # encoded data (the sampler fits or follows them)
    grid: bool = False  # lays out rows x cols itself: takes ``cols``, n = rows * cols
    z_dim: int | None = None  # the only z_dim it works for
    data: str | None = None  # "z"/"mu": uses encoded data if given, as LatentData (draws)
    resolve: Callable[..., dict] | None = None  # (values, z_dim, data) -> values: defaults,
    # checks across parameters
    layout: Callable[[dict], tuple[int, int]] | None = None  # resolved values -> (rows, cols)
    # (z_dim, **values) -> {"mean", "std"} of |z| of its draws, or None: a closed form
    radius: Callable[..., dict[str, float] | None] | None = None

    def __post_init__(self) -> None:
        if self.data not in (None, "z", "mu"):
            raise ValueError(f"{self.name}: data must be None, 'z' or 'mu'")
        if self.layout is not None and not self.grid:
            raise ValueError(f"{self.name}: a sampler with a layout is a grid sampler")

    @property
    def keywords(self) -> tuple[str, ...]:
        """Its keyword arguments of ``sample`` (and keys of its description)."""
        extra = (("cols",) if self.grid else ()) + (("data_from",) if self.data else ())
        return tuple(p.name for p in self.params) + extra

    @property
    def uses_data(self) -> bool:
        """Uses encoded data: needs them, or takes them when given."""
        return self.needs_data or self.data is not None

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)

    @property
    def index_params(self) -> tuple[Param, ...]:
        """Parameters given as data set image indices."""
        return tuple(p for p in self.params if p.image_index is not None)

    @property
    def data_free(self) -> bool:
        """Draws its z-points from its parameters and the seed alone (normal, uniform, 2-D
        grid, ...): two models of one z_dim can decode the very same points. Any other
        sampler derives its points from a model's own encodings (PCA axes, traversals,
        attribute vectors, image indices), so each model gets points of its own."""
        return not self.uses_data and not self.index_params

    @property
    def needs_dataset(self) -> bool:
        """Needs a data set: to encode, or for its image indices."""
        return self.needs_data or bool(self.index_params)

    def listing(self) -> str:
        """One line: name, label, what it needs and its parameters."""
        needs = "needs data" if self.needs_data else "needs images" if self.index_params else ""
        needs = needs or ("uses data" if self.data else "")
        extra = [f"z_dim {self.z_dim} only"] if self.z_dim else []
        extra += ["lays out its own grid"] if self.layout else ["rows x cols grid"] * self.grid
        extra += [f"data: {self.data}"] if self.data == "mu" else []
        params = " ".join([p.listing() for p in self.params] + [f"[{e}]" for e in extra])
        return f"{self.name:<12} {self.label:<17} {needs:<13} {params}".rstrip()
