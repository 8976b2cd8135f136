"""``latent-explorer compare``: the same z-points decoded by two models, side by side, and
overlaid radius histograms of both encodings."""

from __future__ import annotations

import argparse

from explorer.commands.common import encode, load
from explorer.commands.options import add_slot_arguments
from explorer.commands.outputs import output_folder
from explorer.commands.sampler_options import add_sampling_parser


def add_parser(sub) -> None:
    p = add_sampling_parser(
        sub,
        "compare",
        add_slot_arguments,
        "output folder",
        help="decode the same z-points with two models; overlay their radius histograms",
        description="Writes OUT/A.png and OUT/B.png (with sidecars and z-points), "
        "OUT/side_by_side.png, OUT/radius_overlay.png and OUT/summary.json.",
    )
    p.set_defaults(dataset=None)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from explorer.commands.sample import laid_out, prepare
    from explorer.core.latent.grids import export_grid, render, sample_z
    from explorer.core.latent.samplers import get_sampler
    from explorer.core.latent.sampling import LatentData
    from explorer.core.output.report import write_radius_overlay
    from explorer.core.stats.analysis import AnalysisOptions, analyze
    from explorer.core.stats.hits import expected_radius, hit_rate
    from explorer.core.util import atomic

    out = output_folder(args.out)
    models = {"A": load(args, "a"), "B": load(args, "b")}
    dataset = args.dataset or "mnist-5k"
    args.dataset = dataset
    encodings = {slot: encode(m, dataset, args.data_range)[1] for slot, m in models.items()}
    same = models["A"].z_dim == models["B"].z_dim
    spec, _ = prepare(args, models["A"])
    grids, analyses = {}, {}
    summary = {"same_z_points": same, "sampler": args.sampler, "models": {}}
    uses_data = get_sampler(args.sampler).uses_data
    latent = {s: LatentData.of(e) if uses_data else None for s, e in encodings.items()}
    first = sample_z(spec, models["A"].z_dim, latent["A"])
    for slot, model in models.items():
        data = np.asarray(encodings[slot].z)
        # Same z_dim: B decodes exactly A's z-points. Otherwise B gets its own, same seed
        # (and its own layout when the sampler lays out the grid from B's z_dim).
        slot_spec = (
            spec if same or slot == "A" else laid_out(args, spec.params, model.z_dim, latent[slot])
        )
        shared = first if same or slot == "A" else sample_z(slot_spec, model.z_dim, latent[slot])
        grid = render(model, shared, slot_spec)
        export_grid(
            grid, slot_spec, out / f"{slot}.png", dataset=dataset, extra={"slot": slot},
            gif=args.gif,
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
    _side_by_side(grids, args.sampler, same, out / "side_by_side.png")
    exp = expected_radius(args.sampler, models["A"].z_dim, **spec.params)
    expected = [(f"expected {args.sampler}", exp["mean"], exp["std"])] if exp else []
    write_radius_overlay(analyses, out, expected)
    atomic.write_json(out / "summary.json", summary)
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
        else f"{sampler} z-points (z_dim differs: sampled separately with the same seed)"
    )
    save_figure(fig, path)
