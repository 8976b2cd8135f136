"""The ``latent-explorer`` command: an argparse front end over :mod:`explorer.core`.

Nothing here imports TensorFlow at module level, so ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from explorer import __version__
from explorer.commands import analyze, compare, encode, info, sample, train

COMMANDS = {
    "train": train,
    "info": info,
    "sample": sample,
    "encode": encode,
    "analyze": analyze,
    "compare": compare,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="latent-explorer",
        description="Explore, compare and train the latent spaces of autoencoders (AE) and "
        "variational autoencoders (VAE).",
    )
    parser.add_argument("--version", action="version", version=f"latent-explorer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS.values():
        module.add_parser(sub)
    return parser


RANGE_FLAGS = ("--range", "--x-range", "--y-range")


def _join_negative_ranges(argv: list[str]) -> list[str]:
    """Let ``--range -3:3`` through: argparse would read ``-3:3`` as an option."""
    out: list[str] = []
    for token in argv:
        if out and out[-1] in RANGE_FLAGS and token.startswith("-"):
            out[-1] = f"{out[-1]}={token}"
        else:
            out.append(token)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_join_negative_ranges(list(sys.argv[1:] if argv is None else argv)))
    if args.command is None:
        parser.print_help()
        return 0
    from explorer.core.errors import ExplorerError

    try:
        return int(COMMANDS[args.command].run(args) or 0)
    except ExplorerError as exc:
        print(f"latent-explorer {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"latent-explorer {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
