"""``latent-explorer map``: a 2-D map (t-SNE, UMAP or PCA) of a model's encodings.

The method options are flags made from the declarations in
:data:`explorer.core.stats.maps.MAP_METHODS`; every option is checked before the model is
loaded (and the perplexity or the neighbours again against the data set's size once it is
known, before the map is made).
"""

from __future__ import annotations

import argparse
from typing import Any

from explorer.commands.common import encode, load
from explorer.commands.options import add_data_range_argument, add_flag, add_model_arguments
from explorer.commands.outputs import output_folder
from explorer.core.data.builtin import DEFAULT_DATASET
from explorer.core.errors import InvalidParameter
from explorer.core.params import Param
from explorer.core.stats.maps import MAP_METHODS, SHARED_PARAMS, check_map_options
from explorer.core.util import atomic


def method_params() -> dict[str, tuple[Param, list[str]]]:
    """Option name -> (its declaration, the methods that take it)."""
    out: dict[str, tuple[Param, list[str]]] = {}
    for spec in MAP_METHODS.values():
        for p in spec.params:
            out.setdefault(p.name, (p, []))[1].append(spec.name)
    return out


def add_parser(sub) -> None:
    p = sub.add_parser(
        "map",
        help="2-D map of the encodings: t-SNE, UMAP or PCA (embedding.npz, .csv, map.png)",
        description="Writes OUT/embedding.npz (xy, the data set index of every point, labels, "
        "method, params), OUT/embedding.csv (index,x,y,label) and OUT/map.png. A VAE is "
        "mapped by its means mu. Large t-SNE and UMAP maps run in a child process.",
    )
    add_model_arguments(p)
    p.add_argument("--dataset", default=DEFAULT_DATASET)
    add_data_range_argument(p)
    p.add_argument("--out", required=True, help="output folder")
    g = p.add_argument_group("map")
    methods = ", ".join(f"{s.name} ({s.note})" for s in MAP_METHODS.values())
    # Any name is accepted here so that an unknown method gets the core's one-line message.
    g.add_argument("--method", default="tsne", help=f"one of {methods}; default tsne")
    for q in SHARED_PARAMS:
        add_flag(g, q, help=f"{q.help} (default {q.default})")
    for q, users in method_params().values():
        allowed = f" {q.allowed()}" if q.kind == "choice" else ""
        text = f"{'/'.join(users)}: {q.help}{allowed} (default {q.default})"
        # choices are checked by the core, in one line, not by argparse
        add_flag(g, q, default=None, help=text, restrict=False)


def given_options(args: argparse.Namespace) -> dict[str, Any]:
    """The method options given as flags (None: not given), with the shared seed and
    pca_dims; a flag of another method is refused."""
    options = {k: getattr(args, k) for k in method_params() if getattr(args, k) is not None}
    method = MAP_METHODS.get(args.method)
    if method is not None:
        own = {q.name for q in method.params}
        stray = sorted(method_params()[k][0].flag for k in options if k not in own)
        if stray:
            raise InvalidParameter(f"{', '.join(stray)} does not apply to --method {args.method}")
    return {**options, "seed": args.seed, "pca_dims": args.pca_dims}


def run(args: argparse.Namespace) -> int:
    out = output_folder(args.out)
    options = given_options(args)
    check_map_options(args.method, args.points, {**options, "points": args.points})
    model = load(args)
    _, enc = encode(model, args.dataset, args.data_range)
    n = min(args.points, len(enc))
    check_map_options(args.method, n, options)  # the perplexity / neighbours against the data
    from explorer.commands.progressbar import ProgressBar
    from explorer.core.output.map_files import write_map
    from explorer.core.progress import TaskState
    from explorer.core.stats.maps import map_codes, project

    bar = ProgressBar()
    codes = map_codes(enc)
    method_options = {k: v for k, v in options.items() if k not in ("seed", "pca_dims")}
    result = project(
        codes,
        args.method,
        points=args.points,
        seed=args.seed,
        labels=enc.labels,
        pca_dims=args.pca_dims,
        state=TaskState(lambda f, msg: bar.update(f, msg)),
        **method_options,
    )
    if bar.tty:
        bar.line(f"{MAP_METHODS[args.method].label} map of {len(result.xy)} points in "
                 f"{result.seconds:.1f} s")  # fmt: skip
    result.params.update(model=model.name, dataset=enc.dataset_name or args.dataset)
    title = f"{model.name} on {enc.dataset_name or args.dataset}"
    with atomic.output_set(out) as stage:  # the npz, csv and png together, or none
        written = write_map(stage, result, enc.indices, enc.label_names, title)
    for path in written:
        print(out / path.name)
    return 0
