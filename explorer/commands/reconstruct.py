"""``latent-explorer reconstruct``: data set images (or the user's own files) next to their
reconstructions by one or two models, with each image's loss."""

from __future__ import annotations

import argparse
import sys

from explorer.commands.options import add_data_range_argument, add_load_options, int_list
from explorer.commands.sampler_options import add_sharpen_arguments
from explorer.core.util import atomic


def add_parser(sub) -> None:
    p = sub.add_parser(
        "reconstruct",
        help="reconstruct images with one or two models; per-image losses",
        description="Writes OUT.png (first row the originals, then one row per model, tiled "
        "like `sample`), OUT.json (the images, and per model and image the reconstruction "
        "loss as the model was trained on it and the mean squared error per pixel in [0, 1] "
        "units) and, with --sharpen, OUT.sharp.png (model rows sharpened). A VAE "
        "reconstructs from its mean mu. Every model must take images of the same shape.",
    )
    p.add_argument("model_a", nargs="?", help="model bundle A (or --encoder/--decoder)")
    p.add_argument("model_b", nargs="?", help="model bundle B, optional (or --encoder-b/...)")
    for slot in ("a", "b"):
        for part in ("encoder", "decoder"):
            names = [f"--{part}-{slot}"] + ([f"--{part}"] if slot == "a" else [])
            p.add_argument(
                *reversed(names),
                dest=f"{part}_{slot}",
                metavar="FILE",
                help=f"{part} file of {slot.upper()}",
            )
    add_load_options(p)
    g = p.add_argument_group("images")
    source = g.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset", help="data set to take images from (e.g. mnist-5k)")
    source.add_argument(
        "--images",
        nargs="+",
        metavar="FILE",
        help="your own image files (PNG, JPEG, any size, grey or colour): centre-cropped, "
        "resized and converted to the model's input, as image folders are",
    )
    pick = g.add_mutually_exclusive_group()
    pick.add_argument("--indices", type=int_list, help="data set images by index, e.g. 0,5,9")
    pick.add_argument(
        "--count", type=int, help="number of images drawn at random from --split (default 8)"
    )
    g.add_argument(
        "--split",
        choices=("validation", "train", "all"),
        default="validation",
        help="the training's split to draw --count images from (default validation; the "
        "split recorded by the first model trained on the data set, else 10%% with seed 0)",
    )
    g.add_argument("--seed", type=int, default=0, help="seed of the --count draw (default 0)")
    add_data_range_argument(g)
    p.add_argument("--out", required=True, help="output PNG path")
    add_sharpen_arguments(p)  # sharpens the model rows


def run(args: argparse.Namespace) -> int:
    from explorer.commands.common import load
    from explorer.commands.outputs import output_file
    from explorer.commands.sampler_options import sharpen_params
    from explorer.core.errors import InvalidParameter
    from explorer.core.latent.grids import GridSpec
    from explorer.core.latent.reconstruct import (
        LOSS_DESCRIPTIONS,
        check_shapes,
        read_files,
        reconstruct_all,
        write_reconstruction,
    )

    if args.images and (args.indices is not None or args.count is not None):
        raise InvalidParameter("--indices and --count pick data set images; not with --images")
    out = output_file(args.out, ".png", companions=(".json",))
    sharp = sharpen_params(args)
    if args.encoder_a and args.model_a and not args.model_b:
        args.model_b, args.model_a = args.model_a, None  # A is the pair, the folder is B
    models = [load(args, "a")]
    if args.model_b or args.encoder_b or args.decoder_b:
        models.append(load(args, "b"))
    shape = check_shapes(models)
    if args.images:
        images = read_files(args.images, shape)
        chosen = {"files": [str(f) for f in args.images]}
        entries = [{"file": str(f)} for f in args.images]
    else:
        images, chosen, entries = _dataset_images(args, models, shape)
    rows, cols = 1 + len(models), len(images)
    GridSpec(rows=rows, cols=cols).validate()  # at most as many tiles as sample's grids
    recs = reconstruct_all(models, images)
    stem = out.name[: -len(out.suffix)]
    members = (out.name, f"{stem}.json", f"{stem}.sharp.png")
    with atomic.output_set(out.parent, members) as stage:
        staged = write_reconstruction(stage / out.name, images, recs, entries, chosen, sharp)
    written = [out.parent / path.name for path in staged]
    for r in recs:
        print(
            f"{r.model.name}: mean loss {info_mean(r.loss)} ({LOSS_DESCRIPTIONS[r.loss_kind]}), "
            f"mean squared error per pixel {info_mean(r.mse, 5)}; "
            f"reconstructed from {r.reconstructed_from}",
            file=sys.stderr,
        )
    for path in written:
        print(path)
    return 0


def info_mean(values, digits: int = 2) -> str:
    return f"{float(values.mean()):.{digits}f}" if len(values) else "-"


def _dataset_images(args: argparse.Namespace, models, shape):
    """The data set images ``args`` pick, what was asked for, and the sidecar entries."""
    import numpy as np

    from explorer.commands.common import say_once
    from explorer.core.data.sources import open_dataset
    from explorer.core.latent.reconstruct import dataset_entries, pick_indices, training_split

    ds = open_dataset(args.dataset, shape, data_range=args.data_range)
    say_once(ds.value_note)
    split = training_split(models, ds)
    idx = pick_indices(
        len(ds),
        indices=args.indices,
        count=args.count,
        split=args.split,
        seed=args.seed,
        validation_split=split["validation_split"],
        split_seed=split["seed"],
        max_images=split["max_images"],
    )
    images = np.stack([ds.image(int(i)) for i in idx])
    chosen = {
        "dataset": ds.name,
        "indices": [int(i) for i in idx],
        "asked": (
            {"indices": args.indices}
            if args.indices is not None
            else {"count": args.count or 8, "split": args.split, "seed": args.seed}
        ),
        "split": split,
    }
    entries = dataset_entries(ds, idx)
    return images, chosen, entries
