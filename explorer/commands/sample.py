"""``latent-explorer sample``: sample z-points, decode them into a grid, export it."""

from __future__ import annotations

import argparse
import sys

import numpy as np

from explorer.commands.common import encode, load
from explorer.commands.options import add_model_arguments
from explorer.commands.outputs import output_file
from explorer.commands.sampler_options import (
    GRID_DEFAULT,
    add_sampling_parser,
    image_indices,
    sampler_params,
    sharpen_params,
)
from explorer.core.util import atomic
from explorer.core.util.imaging import from_uint8


def add_parser(sub) -> None:
    add_sampling_parser(
        sub,
        "sample",
        add_model_arguments,
        "output PNG path",
        help="sample z-points and decode them into an image grid",
        description="Writes OUT.png, OUT.json (everything needed to regenerate it), "
        "OUT.npy (the z-points in grid order) and, with --sharpen, OUT.sharp.png.",
    )


def image_vectors(model, ds, indices: dict[str, int]) -> dict:
    """Encode the images that ``indices`` name (z, or mu for a VAE): parameter -> z-vector."""
    from explorer.core.errors import InvalidParameter
    from explorer.core.latent.encoding import encode_batch

    for i in indices.values():
        if not 0 <= i < len(ds):
            raise InvalidParameter(f"image index {i} is outside the data set (0..{len(ds) - 1})")
    x = from_uint8(np.stack([ds.image(i) for i in indices.values()]))
    out = encode_batch(model, x)
    vectors = out.get("mu", out["z"])
    return {name: vectors[k].tolist() for k, name in enumerate(indices)}


def prepare(args: argparse.Namespace, model):
    """GridSpec and encoded data for ``args`` (encoding only when the sampler uses data).

    The data are :class:`~explorer.core.latent.sampling.LatentData` (z, a VAE's mu, labels,
    image indices). A sampler that fixes its own layout (traverse) sets the grid's rows x
    cols; a different ``--grid`` is then ignored, with a note."""
    from explorer.core.errors import NeedsDataError
    from explorer.core.latent.samplers import get_sampler
    from explorer.core.latent.sampling import LatentData

    params = sampler_params(args)
    sampler = get_sampler(args.sampler)
    data = None
    if sampler.needs_dataset and not args.dataset:
        raise NeedsDataError(
            f"the '{args.sampler}' sampler needs encoded data: pass a data set (--dataset)"
        )
    if sampler.needs_dataset or (sampler.uses_data and args.dataset):
        indices = image_indices(args)
        ds, enc = encode(model, args.dataset, args.data_range)
        data = LatentData.of(enc)
        if indices:
            params.update(image_vectors(model, ds, indices))
    return laid_out(args, params, model.z_dim, data), data


def laid_out(args: argparse.Namespace, params: dict, z_dim: int, data=None):
    """The checked GridSpec of ``args``: rows x cols from ``--grid``, or from the sampler's
    own layout for ``z_dim`` (a note on stderr when ``--grid`` asked for another)."""
    from explorer.core.latent.grids import GridSpec
    from explorer.core.latent.sampling import layout

    rows, cols = args.grid
    fixed = layout(args.sampler, z_dim, data, **params)
    if fixed is not None and fixed != (rows, cols):
        if (rows, cols) != GRID_DEFAULT:
            print(
                f"note: the {args.sampler} sampler lays out {fixed[0]}x{fixed[1]} from its "
                f"parameters; --grid {rows}x{cols} is ignored",
                file=sys.stderr,
            )
        rows, cols = fixed
    spec = GridSpec(args.sampler, params, rows, cols, args.seed, sharpen=sharpen_params(args))
    spec.validate()
    return spec


def run(args: argparse.Namespace) -> int:
    from explorer.core.latent.grids import export_grid, grid_files, render, sample_z

    out = output_file(args.out, ".png", companions=(".npy", ".json"))
    model = load(args)
    spec, data = prepare(args, model)
    grid = render(model, sample_z(spec, model.z_dim, data), spec)
    with atomic.output_set(out.parent, grid_files(out.name)) as stage:
        written = export_grid(grid, spec, stage / out.name, dataset=args.dataset, gif=args.gif)
    for path in written:
        print(out.parent / path.name)
    return 0
