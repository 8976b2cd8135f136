"""``latent-explorer encode``: encode a data set into z (and mu, logvar) arrays."""

from __future__ import annotations

import argparse

from explorer.commands.common import encode, load
from explorer.commands.options import add_model_arguments


def add_parser(sub) -> None:
    p = sub.add_parser(
        "encode",
        help="encode a data set into z-points (.npz, or TSV for the TensorBoard projector)",
    )
    add_model_arguments(p)
    p.add_argument("--dataset", default="mnist-5k")
    p.add_argument(
        "--out",
        required=True,
        help="Z.npz (z; mu and logvar for a VAE; labels), or a folder with --tsv",
    )
    p.add_argument(
        "--tsv", action="store_true", help="write vectors.tsv + metadata.tsv into the --out folder"
    )


def run(args: argparse.Namespace) -> int:
    model = load(args)
    _, enc = encode(model, args.dataset)
    if args.tsv:
        from explorer.core.export import write_projector_tsv

        for path in write_projector_tsv(args.out, enc.z, enc.labels, enc.label_names):
            print(path)
    else:
        enc.save_npz(args.out)
        print(args.out)
    print(
        f"{len(enc)} points, z_dim {enc.z.shape[1]}"
        + (f", {enc.skipped} unreadable images skipped" if enc.skipped else "")
    )
    return 0
