"""The ``latent-explorer`` command: an argparse front end over :mod:`explorer.core`.

Nothing here imports TensorFlow at module level, so ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence

from explorer import __version__
from explorer.commands import (
    analyze,
    classifier,
    compare,
    encode,
    info,
    quality,
    reconstruct,
    sample,
    train,
)
from explorer.commands import map as map_command

COMMANDS = {
    "train": train,
    "info": info,
    "sample": sample,
    "encode": encode,
    "analyze": analyze,
    "compare": compare,
    "map": map_command,
    "reconstruct": reconstruct,
    "quality": quality,
    "classifier": classifier,
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


def _join_negative_values(argv: list[str]) -> list[str]:
    """Let ``--range -3:3``, ``--indices -1,2`` or ``--vector -0.5,1`` through: argparse
    takes a value that starts with ``-`` and is not a plain number for an option; joined as
    ``--range=-3:3`` it is the flag's value (and its check says what is wrong with it)."""
    out: list[str] = []
    for token in argv:
        after_flag = bool(out) and out[-1].startswith("--") and "=" not in out[-1]
        if after_flag and re.match(r"-\.?\d", token) and not re.fullmatch(r"-\d+|-\d*\.\d+", token):
            out[-1] = f"{out[-1]}={token}"
        else:
            out.append(token)
    return out


def opens_window(argv: list[str]) -> bool:
    """No arguments, or model paths / window options instead of a sub-command."""
    if not argv:
        return True
    first = argv[0]
    if first in COMMANDS or first in ("-h", "--help", "--version"):
        return False
    return not first.startswith("-") or first.split("=", 1)[0] in _window_options()


def _window_options() -> set[str]:
    """The option strings of the window's own parser (``latent-explorer [A] [B] ...``)."""
    from explorer.gui.window.app import build_parser as window_parser

    return {o for action in window_parser()._actions for o in action.option_strings} - {
        "-h",
        "--help",
    }


def main(argv: Sequence[str] | None = None) -> int:
    from explorer.core.runtime.child_process import follow_parent

    follow_parent()  # a training run by the window as the command ends with the window
    argv = list(sys.argv[1:] if argv is None else argv)
    if opens_window(argv):
        from explorer.gui.window.app import main as window_main

        return window_main(_join_negative_values(argv))
    parser = build_parser()
    parser.epilog = (
        "Without a COMMAND, `latent-explorer [A] [B]` opens the window on models A and B."
    )
    args = parser.parse_args(_join_negative_values(argv))
    if args.command is None:
        parser.print_help()
        return 0
    from explorer.core.errors import ExplorerError

    try:
        return int(COMMANDS[args.command].run(args) or 0)
    except ExplorerError as exc:
        print(f"latent-explorer {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a full disk, a folder gone read-only: one line, not a traceback
        if exc.errno is None:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(
            f"latent-explorer {args.command}: error: {where}{exc.strerror or exc}", file=sys.stderr
        )
        return 2
    except KeyboardInterrupt:
        print(f"latent-explorer {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
