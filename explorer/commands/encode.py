"""``latent-explorer encode``: encode a data set into z (and mu, logvar) arrays."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from explorer.commands.common import encode, load
from explorer.commands.options import add_data_range_argument, add_model_arguments
from explorer.commands.outputs import output_file, output_folder
from explorer.core.data.builtin import DEFAULT_DATASET
from explorer.core.util import atomic


def add_parser(sub) -> None:
    p = sub.add_parser(
        "encode",
        help="encode a data set into z-points (.npz, or TSV for the TensorBoard projector)",
    )
    add_model_arguments(p)
    p.add_argument("--dataset", default=DEFAULT_DATASET)
    add_data_range_argument(p)
    p.add_argument(
        "--out",
        required=True,
        help="Z.npz (z; mu and logvar for a VAE; labels; .npz is added to a name without a "
        "suffix), or a folder with --tsv",
    )
    p.add_argument(
        "--tsv", action="store_true", help="write vectors.tsv + metadata.tsv into the --out folder"
    )


def output(args: argparse.Namespace) -> Path:
    """The ``--tsv`` folder or the ``.npz`` file to write; a name without a suffix gets
    ``.npz``, which is said on stderr."""
    if args.tsv:
        return output_folder(args.out)
    out = output_file(args.out, ".npz", add_suffix=True, hint=" (or a folder with --tsv)")
    if out != Path(args.out):
        print(f"latent-explorer encode: --out has no suffix; writing {out}", file=sys.stderr)
    return out


def run(args: argparse.Namespace) -> int:
    out = output(args)
    model = load(args)
    _, enc = encode(model, args.dataset, args.data_range)
    if args.tsv:
        from explorer.core.util.export import write_projector_tsv

        with atomic.output_set(out, ("vectors.tsv", "metadata.tsv")) as stage:
            written = write_projector_tsv(stage, enc.z, enc.labels, enc.label_names)
        for path in written:
            if path is not None:  # no metadata.tsv without labels
                print(out / path.name)
    else:
        enc.save_npz(out)
        print(out)
    print(
        f"{len(enc)} points, z_dim {enc.z.shape[1]}"
        + (f", {enc.skipped} unreadable images skipped" if enc.skipped else "")
    )
    return 0
