"""``latent-explorer quality``: how recognisable and how real a sampler's decodes are, per
model, with real held-out images as the reference (and, with ``--sweep``, against a sampler
parameter)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from explorer.commands.common import encode, load
from explorer.commands.options import add_slot_arguments
from explorer.commands.outputs import output_folder
from explorer.commands.sampler_options import add_sampler_arguments
from explorer.core.data.builtin import DEFAULT_DATASET


def add_parser(sub) -> None:
    p = sub.add_parser(
        "quality",
        help="measure the sample quality of one or two models for a sampler (classifier "
        "confidence, FD, precision/recall, density/coverage)",
        description="Decodes --n z-points of the sampler with each model and judges them "
        "against the data set's held-out real images, in the features of a classifier of the "
        "data set (shipped for mnist-5k, trained and cached on first use for other labelled "
        "data sets; pixel principal components for unlabelled ones). Writes OUT/quality.json "
        "and OUT/<model>_by_confidence.png (the decodes from the most to the least confident); "
        "with --sweep also OUT/sweep.png and the sweep in quality.json.",
    )
    add_slot_arguments(p)
    add_sampler_arguments(p)
    p.set_defaults(dataset=DEFAULT_DATASET)
    p.add_argument("--n", type=int, default=2000, help="samples per model (default 2000)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--json", action="store_true", help="print only the JSON document on stdout")
    p.add_argument(
        "--sweep",
        metavar="PARAM=LO:HI:STEP",
        help="every metric against a sampler parameter, e.g. limit=0.5:8:0.5 (uniform) or "
        "std=0.25:3:0.25 (normal)",
    )


def _models(args: argparse.Namespace) -> list:
    """(model, source, latent data or None) for A and, when given, B."""
    from explorer.core.latent.samplers import get_sampler
    from explorer.core.latent.sampling import LatentData

    slots = ["a"]
    if any(getattr(args, k, None) for k in ("model_b", "encoder_b", "decoder_b")):
        slots.append("b")
    uses_data = get_sampler(args.sampler).uses_data
    out = []
    for slot in slots:
        model = load(args, slot)
        data = LatentData.of(encode(model, args.dataset, args.data_range, quiet=args.json)[1])
        out.append((model, model.source, data if uses_data else None))
    return out


def table(document: dict) -> str:
    """The metrics as a text table: a row per model and the reference row."""
    from explorer.core.stats.quality_metrics import METRICS

    rows = [(m["name"], m["metrics"]) for m in document["models"]]
    rows.append(("reference (real)", document["reference"]))
    width = max(len(name) for name, _ in rows) + 2
    head = f"{'':<{width}}" + "".join(f"{k:>16}" for k in METRICS)
    lines = [head]
    for name, metrics in rows:
        cells = "".join(
            f"{'-':>16}" if metrics.get(k) is None else f"{metrics[k]:>16.3f}" for k in METRICS
        )
        lines.append(f"{name:<{width}}{cells}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from explorer.commands.progressbar import ProgressBar
    from explorer.commands.sampler_options import image_indices, sampler_params
    from explorer.core.data.sources import open_dataset
    from explorer.core.latent.samplers import get_sampler
    from explorer.core.output.quality_plots import write_confidence_grid, write_sweep_plot
    from explorer.core.progress import TaskState
    from explorer.core.stats.quality import (
        check_n,
        check_sweep,
        make_judge,
        parse_sweep,
        quality_report,
        sweep,
    )
    from explorer.core.util import atomic

    out = output_folder(args.out)
    check_n(args.n)
    params = sampler_params(args)
    swept = None
    if args.sweep:
        swept = parse_sweep(args.sweep)
        check_sweep(args.sampler, swept[0])
    if get_sampler(args.sampler).index_params:
        image_indices(args)  # the flags it needs, before any work
    models = _models(args)
    if get_sampler(args.sampler).index_params:
        from explorer.commands.sample import image_vectors

        ds0 = open_dataset(args.dataset, models[0][0].input_shape, data_range=args.data_range)
        params.update(image_vectors(models[0][0], ds0, image_indices(args)))
    ds = open_dataset(args.dataset, models[0][0].input_shape, data_range=args.data_range)
    bar = ProgressBar()
    state = TaskState(lambda f, msg: bar.update(f, msg))
    judge = make_judge(ds, state.sub(0.0, 0.3, "classifier: "))
    end = 0.5 if swept else 1.0
    report = quality_report(
        models, ds, args.sampler, args.n, args.seed, params, judge, state.sub(0.3, end)
    )
    document = report.to_json()
    earlier = [p.name for p in out.glob("[AB]_*_by_confidence.png")]  # of other models
    with atomic.output_set(out, (*earlier, "sweep.png")) as stage:  # PNGs and JSON together
        staged = []
        for slot, row in zip("AB", report.models, strict=False):
            name = f"{slot}_{_safe(row.name)}_by_confidence.png"
            staged.append(write_confidence_grid(row, stage / name))
        if swept:
            result = sweep(
                models, ds, args.sampler, swept[0], swept[1], args.n, args.seed, params, judge,
                state.sub(0.5, 1.0),
            )  # fmt: skip
            document["sweep"] = result.to_json()
            staged.append(write_sweep_plot(result, stage / "sweep.png"))
        atomic.write_json(stage / "quality.json", document)
        staged.append(stage / "quality.json")
    written = [out / Path(path).name for path in staged]
    if bar.tty:
        bar.line(f"quality of {len(models)} model(s) in {report.seconds:.1f} s")
    if args.json:
        print(json.dumps(document, indent=2))
        return 0
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"{args.sampler} sampler, {report.n} samples per model, data set {ds.name}")
    print(table(document))
    for path in written:
        print(path)
    return 0


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "model"
