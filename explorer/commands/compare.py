"""``latent-explorer compare``: two models' grids of one sampler side by side, and overlaid
radius histograms of both encodings. A data-free sampler (normal, uniform, 2-D grid, ...)
gives both models of one z_dim the very same z-points; a sampler that derives its points from
encodings gives each model points from its own encodings, with the same seed."""

from __future__ import annotations

import argparse

from explorer.commands.common import encode, load
from explorer.commands.options import add_slot_arguments
from explorer.commands.outputs import output_folder
from explorer.commands.sampler_options import add_sampling_parser
from explorer.core.data.builtin import DEFAULT_DATASET


def add_parser(sub) -> None:
    p = add_sampling_parser(
        sub,
        "compare",
        add_slot_arguments,
        "output folder",
        help="one sampler's grids of two models side by side (the same z-points for a "
        "data-free sampler, else each model's own); overlay their radius histograms",
        description="Writes OUT/A.png and OUT/B.png (with sidecars and z-points), "
        "OUT/side_by_side.png, OUT/radius_overlay.png and OUT/summary.json.",
    )
    p.set_defaults(dataset=None)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from explorer.commands.sample import prepare
    from explorer.core.latent.grids import export_grid, grid_files, render, sample_z
    from explorer.core.latent.samplers import get_sampler
    from explorer.core.output.report import write_radius_overlay
    from explorer.core.stats.analysis import AnalysisOptions, analyze
    from explorer.core.stats.hits import expected_radius, hit_rate
    from explorer.core.util import atomic

    out = output_folder(args.out)
    models = {"A": load(args, "a"), "B": load(args, "b")}
    dataset = args.dataset or DEFAULT_DATASET
    args.dataset = dataset
    encodings = {slot: encode(m, dataset, args.data_range)[1] for slot, m in models.items()}
    # The very same z-points only from a data-free sampler and one z_dim; a sampler that
    # derives points from encodings (PCA, fitted, traverse, image indices, ...) gives each
    # model points from its own encodings, with the same seed.
    same = models["A"].z_dim == models["B"].z_dim and get_sampler(args.sampler).data_free
    grids, analyses = {}, {}
    summary = {
        "same_z_points": same,
        "z_points": "shared" if same else "each model's own (same seed)",
        "sampler": args.sampler,
        "models": {},
    }
    members = (*grid_files("A.png"), *grid_files("B.png"), "side_by_side.png", "radius_overlay.png")
    with atomic.output_set(out, (*members, "summary.json")) as stage:
        spec, latent = prepare(args, models["A"])
        first = sample_z(spec, models["A"].z_dim, latent)  # A's z-points
        for slot, model in models.items():
            data = np.asarray(encodings[slot].z)
            slot_spec, shared = spec, first
            if slot != "A" and not same:  # its own image vectors, layout and encodings
                slot_spec, latent = prepare(args, model)
                shared = sample_z(slot_spec, model.z_dim, latent)
            grid = render(model, shared, slot_spec)
            export_grid(
                grid, slot_spec, stage / f"{slot}.png", dataset=dataset, gif=args.gif,
                extra={"slot": slot, "z_points": "A's" if same and slot == "B" else "own"},
            )  # fmt: skip
            grids[slot] = grid
            analyses[f"{slot}: {model.name}"] = analyze(
                encodings[slot], AnalysisOptions(hit_samplers=[])
            )
            summary["models"][slot] = {
                "name": model.name,
                "kind": model.kind,
                "z_dim": model.z_dim,
                "radius_mean": float(np.linalg.norm(data, axis=1).mean()),
                "hit_rate": hit_rate(shared.z, data),
            }
        _side_by_side(grids, args.sampler, same, stage / "side_by_side.png")
        exp = expected_radius(args.sampler, models["A"].z_dim, **spec.params)
        expected = [(f"expected {args.sampler}", exp["mean"], exp["std"])] if exp else []
        write_radius_overlay(analyses, stage, expected)
        atomic.write_json(stage / "summary.json", summary)
    gifs = ("A.gif", "B.gif") if args.gif else ()
    for name in ("A.png", "B.png", *gifs, "side_by_side.png", "radius_overlay.png", "summary.json"):
        print(out / name)
    return 0


def _side_by_side(grids: dict, sampler: str, same: bool, path) -> None:
    """Both grids in one figure, titled by whether they decode the same z-points."""
    from explorer.core.output import plots
    from explorer.core.util.export import save_figure

    fig = plots.new_figure(10, 5.5)
    for i, (slot, grid) in enumerate(grids.items()):
        plots.draw_grid_image(
            fig.add_subplot(1, 2, i + 1),
            grid.image,
            f"{slot}: {grid.model.name} ({grid.model.kind.upper()})",
        )
    fig.suptitle(
        f"The same {sampler} z-points decoded by both models"
        if same
        else f"{sampler} z-points of each model's own (same seed)"
    )
    save_figure(fig, path)
