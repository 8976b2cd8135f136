"""``latent-explorer analyze``: every analysis of a model's encodings, as plots and JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from explorer.commands.common import encode, load
from explorer.commands.options import add_data_range_argument, add_model_arguments, str_list
from explorer.commands.outputs import output_folder
from explorer.commands.progressbar import ProgressBar
from explorer.core.data.builtin import DEFAULT_DATASET
from explorer.core.stats.maps import MAP_METHODS


def add_parser(sub) -> None:
    p = sub.add_parser(
        "analyze",
        help="radius/component statistics, hit rates, VAE diagnostics, k-means, a t-SNE/UMAP/"
        "PCA map",
        description="Writes every plot to OUT and OUT/summary.json.",
    )
    add_model_arguments(p)
    p.add_argument("--dataset", default=DEFAULT_DATASET)
    add_data_range_argument(p)
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--json", action="store_true", help="also print summary.json")
    p.add_argument(
        "--map-points",
        "--tsne-points",
        dest="map_points",
        type=int,
        default=0,
        help="a 2-D map (--projection) of this many points (0 = off; VAE: of mu)",
    )
    p.add_argument(
        "--projection",
        choices=tuple(MAP_METHODS),
        default="tsne",
        help="the map's method (default tsne; `latent-explorer map` has all its options)",
    )
    p.add_argument("--tsne-iterations", type=int, default=500)
    p.add_argument("--perplexity", type=float, default=30.0, help="t-SNE perplexity")
    p.add_argument(
        "--kmeans", metavar="K1:K2:STEP", help="k-means inertia sweep, e.g. 2:80:2 (off by default)"
    )
    p.add_argument(
        "--samples", type=int, default=2000, help="samples per sampler for the hit rates"
    )
    p.add_argument(
        "--hit-k", type=float, default=3.0, help="hit test: within k half-widths (default 3)"
    )
    p.add_argument(
        "--no-quality",
        dest="quality",
        action="store_false",
        help="skip the sample quality of each sampler (classifier confidence, FD, precision/"
        "recall, density/coverage of --samples decodes; see `latent-explorer quality`)",
    )
    p.add_argument("--formats", type=str_list, default=["png"], help="png,svg,pdf (default png)")
    p.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    from explorer.core.errors import InvalidParameter
    from explorer.core.output.report import PLOT_FORMATS, analysis_files, write_analysis_plots
    from explorer.core.progress import TaskState
    from explorer.core.stats.analysis import AnalysisOptions, analysis_map_options, analyze
    from explorer.core.stats.clustering import parse_k_range
    from explorer.core.stats.maps import check_map_options, fitted_options
    from explorer.core.util import atomic

    output_folder(args.out)
    bad = [f for f in args.formats if f not in PLOT_FORMATS]
    if bad:
        raise InvalidParameter(f"unknown plot format(s) {', '.join(bad)}; use png, svg, pdf")
    if args.map_points < 0:
        raise InvalidParameter(f"--map-points must be 0 (no map) or more, got {args.map_points}")
    if args.map_points:  # the method and the number of points, before any work
        points = args.map_points
        check_map_options(args.projection, points, fitted_options(args.projection, points, {}))
    model = load(args)
    ds, enc = encode(model, args.dataset, args.data_range)
    options = AnalysisOptions(
        n_samples=args.samples,
        hit_k=args.hit_k,
        tsne_points=args.map_points,
        projection=args.projection,
        tsne_perplexity=args.perplexity,
        tsne_iterations=args.tsne_iterations,
        seed=args.seed,
        kmeans_ks=parse_k_range(args.kmeans, len(enc)) if args.kmeans else None,
    )
    if options.tsne_points:  # the points known: one line before any analysis
        n = min(options.tsne_points, len(enc))
        check_map_options(args.projection, n, analysis_map_options(options, n))
    bar = ProgressBar()
    result = analyze(enc, options, TaskState(lambda f, msg: bar.update(f, msg)))
    result.summary["label_names"] = enc.label_names
    if args.quality:
        add_quality(result.summary, model, ds, options, TaskState(lambda f, m: bar.update(f, m)))
    out = Path(args.out)
    with atomic.output_set(out, analysis_files()) as stage:  # the plots and summary together
        staged = write_analysis_plots(result, stage, args.formats)
        atomic.write_json(stage / "summary.json", result.summary)
    written = [out / Path(path).name for path in staged]
    if bar.tty:
        bar.line(f"{len(written)} plots and summary.json in {args.out}")
    if args.json:
        print(json.dumps(result.summary, indent=2))
    else:
        for path in written:
            print(path)
        print(f"{args.out}/summary.json")
    return 0


def add_quality(summary: dict, model, ds, options, state) -> None:
    """A ``quality`` key in each sampler's ``hit_rate`` entry (the metrics of
    ``options.n_samples`` decodes), the ``quality_reference`` row and the judge's line."""
    from explorer.core.stats.quality import make_judge, quality_report, real_set

    judge = make_judge(ds, state.sub(0.0, 0.3, "classifier: "))
    real = real_set(ds, judge, options.n_samples, options.seed)
    samplers = options.hit_samplers
    for k, (name, sampler, params) in enumerate(samplers):
        part = state.sub(0.3 + 0.7 * k / len(samplers), 0.3 + 0.7 * (k + 1) / len(samplers))
        report = quality_report(
            [(model, model.source, None)], ds, sampler, options.n_samples, options.seed,
            params, judge, part, real,
        )  # fmt: skip
        summary["hit_rate"][name]["quality"] = report.models[0].metrics
        summary["quality_reference"] = report.reference
        summary["quality_judge"] = report.judge
        summary["quality_notes"] = report.notes
