"""``latent-explorer sample``: sample z-points, decode them into a grid, export it."""

from __future__ import annotations

import argparse

import numpy as np

from explorer.commands.common import encode, load
from explorer.commands.options import add_model_arguments
from explorer.commands.outputs import output_file
from explorer.commands.sampler_options import add_sampler_arguments, sampler_params, sharpen_params


def add_parser(sub) -> None:
    p = sub.add_parser(
        "sample",
        help="sample z-points and decode them into an image grid",
        description="Writes OUT.png, OUT.json (everything needed to regenerate it), "
        "OUT.npy (the z-points in grid order) and, with --sharpen, OUT.sharp.png.",
    )
    add_model_arguments(p)
    add_sampler_arguments(p)
    p.add_argument("--out", required=True, help="output PNG path")


def interpolation_ends(model, ds, start: int | None, end: int | None) -> dict:
    """Encode the two chosen images (z, or mu for a VAE) as the interpolation's end points."""
    from explorer.core.errors import InvalidParameter
    from explorer.core.latent.encoding import encode_batch

    if start is None or end is None:
        raise InvalidParameter("the interpolate sampler needs --start-index and --end-index")
    for i in (start, end):
        if not 0 <= i < len(ds):
            raise InvalidParameter(f"image index {i} is outside the data set (0..{len(ds) - 1})")
    x = np.stack([ds.image(start), ds.image(end)]).astype(np.float32) / 255.0
    out = encode_batch(model, x)
    vectors = out.get("mu", out["z"])
    return {"start": vectors[0].tolist(), "end": vectors[1].tolist()}


def prepare(args: argparse.Namespace, model):
    """GridSpec and encoded data for ``args`` (encoding only when the sampler needs it)."""
    from explorer.core.errors import NeedsDataError
    from explorer.core.latent.grids import GridSpec
    from explorer.core.latent.sampling import NEEDS_DATA

    params = sampler_params(args)
    data = None
    needs = args.sampler in NEEDS_DATA or args.sampler == "interpolate"
    if needs and not args.dataset:
        raise NeedsDataError(
            f"the '{args.sampler}' sampler needs encoded data: pass a data set (--dataset)"
        )
    if needs:
        ds, enc = encode(model, args.dataset, args.data_range)
        data = np.asarray(enc.z)
        if args.sampler == "interpolate":
            params.update(interpolation_ends(model, ds, args.start_index, args.end_index))
    spec = GridSpec(
        args.sampler, params, args.grid[0], args.grid[1], args.seed, sharpen=sharpen_params(args)
    )
    spec.validate()
    return spec, data


def run(args: argparse.Namespace) -> int:
    from explorer.core.latent.grids import export_grid, render, sample_z

    out = output_file(args.out, ".png", companions=(".npy", ".json"))
    model = load(args)
    spec, data = prepare(args, model)
    grid = render(model, sample_z(spec, model.z_dim, data), spec)
    written = export_grid(grid, spec, out, dataset=args.dataset)
    for path in written:
        print(path)
    return 0
