"""Sample z-points, decode them with one or two models, tile them into (sharpened) grids,
and export a grid as PNG + JSON sidecar + ``.npy`` z-points that regenerate it exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.errors import InvalidParameter
from explorer.core.latent.encoding import decode
from explorer.core.latent.samplers import is_grid
from explorer.core.latent.sampling import LatentData, Samples, sample
from explorer.core.model.store import LatentModel
from explorer.core.progress import TaskState, ensure_state
from explorer.core.util.imaging import (
    column_frames,
    save_gif,
    save_png,
    sharpen,
    tile_grid,
)


@dataclass
class GridSpec:
    """What to sample and how to lay it out."""

    sampler: str = "normal"
    params: dict[str, Any] = field(default_factory=dict)
    rows: int = 8
    cols: int = 8
    seed: int = 0
    padding: int = 2
    sharpen: dict[str, Any] | None = None  # sharpen()'s keywords: method and its numbers

    def validate(self) -> None:
        if self.rows < 1 or self.cols < 1:
            raise InvalidParameter(f"the grid must be at least 1x1, got {self.rows}x{self.cols}")
        if self.rows * self.cols > 10000:
            raise InvalidParameter(
                f"a {self.rows}x{self.cols} grid is too large (at most 10000 tiles)"
            )

    def grid_params(self) -> dict[str, Any]:
        """Sampler params with ``cols`` filled in for grid samplers, so rows x cols is honoured."""
        params = dict(self.params)
        if is_grid(self.sampler) and params.get("cols") is None:
            params["cols"] = self.cols
        return params


@dataclass
class Grid:
    """A decoded grid for one model."""

    model: LatentModel
    samples: Samples
    images: np.ndarray
    image: np.ndarray
    sharpened: np.ndarray | None


def sample_z(spec: GridSpec, z_dim: int, data: np.ndarray | LatentData | None = None) -> Samples:
    spec.validate()
    return sample(
        spec.sampler, spec.rows * spec.cols, z_dim, seed=spec.seed, data=data, **spec.grid_params()
    )


def render(
    model: LatentModel, samples: Samples, spec: GridSpec, state: TaskState | None = None
) -> Grid:
    """Decode ``samples`` with ``model`` and tile them (plus a sharpened copy if asked)."""
    state = ensure_state(state)
    if samples.z.shape[1] != model.z_dim:
        raise InvalidParameter(
            f"z-points have {samples.z.shape[1]} components but {model.name} has z_dim {model.z_dim}"
        )
    images = decode(model, samples.z, state=state)
    image = tile_grid(images, spec.rows, spec.cols, padding=spec.padding)
    sharp = None
    if spec.sharpen is not None:
        sharp = tile_grid(
            sharpen(images, **spec.sharpen), spec.rows, spec.cols, padding=spec.padding
        )
    return Grid(model, samples, images, image, sharp)


def sidecar_info(grid: Grid, spec: GridSpec, z_file: str, dataset: str | None) -> dict[str, Any]:
    m = grid.model
    return {
        "model": {
            "name": m.name,
            "source": m.source,
            "kind": m.kind,
            "z_dim": m.z_dim,
            "fingerprint": m.fingerprint,
            "formats": [m.encoder.format, m.decoder.format],
            "channels_first": m.channels_first,
            "input_range": list(m.input_range),
            "output_range": list(m.output_range),
        },
        "sampler": spec.sampler,
        "sampler_description": grid.samples.description,
        "seed": spec.seed,
        "grid": {"rows": spec.rows, "cols": spec.cols, "padding": spec.padding},
        "sharpen": spec.sharpen,
        "dataset": dataset,
        "z_file": z_file,
        "image_shape": list(grid.image.shape),
    }


def grid_files(name: str) -> tuple[str, ...]:
    """The names of the files :func:`export_grid` may write for ``NAME.png``."""
    stem = name[: -len(".png")] if name.lower().endswith(".png") else name
    return (f"{stem}.png", f"{stem}.npy", f"{stem}.json", f"{stem}.sharp.png", f"{stem}.gif")


def export_grid(
    grid: Grid,
    spec: GridSpec,
    out: str | Path,
    dataset: str | None = None,
    extra: dict[str, Any] | None = None,
    gif: bool = False,
) -> list[Path]:
    """Write ``OUT.png``, ``OUT.json``, ``OUT.npy`` (z in grid order), when sharpened
    ``OUT.sharp.png``, and with ``gif`` ``OUT.gif`` (frame k: column k of every row).
    Returns the paths written."""
    from explorer.core.util.export import save_npy, write_sidecar

    out = Path(out)
    if out.suffix.lower() != ".png":
        raise InvalidParameter(f"{out}: the grid is written as PNG; give a .png path")
    z_path = out.with_suffix(".npy")
    save_npy(z_path, grid.samples.z)
    save_png(grid.image, out)
    written = [out, z_path]
    if grid.sharpened is not None:
        sharp = out.with_name(out.stem + ".sharp.png")
        save_png(grid.sharpened, sharp)
        written.append(sharp)
    if gif:
        frames = column_frames(grid.images, spec.rows, spec.cols, padding=spec.padding)
        save_gif(frames, out.with_suffix(".gif"))
        written.append(out.with_suffix(".gif"))
    info = sidecar_info(grid, spec, z_path.name, dataset)
    info.update(extra or {})
    write_sidecar(out, info)
    written.append(out.with_suffix(".json"))
    return written


def regenerate(sidecar: str | Path, model: LatentModel | None = None, trust: bool = False) -> Grid:
    """Rebuild the grid described by a sidecar JSON (decoding its saved z-points), with the
    value ranges it records; ``trust`` as for loading (never taken from the file)."""
    from explorer.core.model.pair import LoadOptions
    from explorer.core.model.store import load_model

    sidecar = Path(sidecar)
    info = json.loads(sidecar.read_text())
    if model is None:
        m = info["model"]
        options = LoadOptions(
            trust=trust,
            input_range=m.get("input_range"),
            output_range=m.get("output_range"),
        )
        src = m["source"]
        if " + " in src:  # an encoder/decoder pair
            enc, dec = src.split(" + ", 1)
            model = load_model(encoder=enc, decoder=dec, options=options)
        else:
            model = load_model(src, options=options)
    z = np.load(sidecar.with_name(info["z_file"]), allow_pickle=False)
    g = info["grid"]
    spec = GridSpec(
        sampler=info["sampler"],
        params={},
        rows=g["rows"],
        cols=g["cols"],
        seed=info["seed"],
        padding=g["padding"],
        sharpen=info["sharpen"],
    )
    return render(model, Samples(z, info["sampler_description"]), spec)
