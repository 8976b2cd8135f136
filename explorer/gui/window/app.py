"""``latent-explorer [A] [B]``: open the window (TensorFlow loads later, in the model threads).

Nothing here imports TensorFlow, so the window appears before it is loaded.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from explorer.core.data.builtin import DEFAULT_DATASET
from explorer.core.model.load_flags import add_data_range_argument, add_slot_arguments

NO_DISPLAY = (
    "latent-explorer: no display found; set DISPLAY, or run headless with "
    "QT_QPA_PLATFORM=offscreen, or use the sub-commands, e.g. latent-explorer sample --help"
)
DEFAULT_MODELS = ("mnist_ae", "mnist_vae")
# The libraries the window's analyses and plots use, imported with Keras on the first model
# load (tf_setup.import_with_keras): about 120k objects that a full garbage collection
# would otherwise walk, holding the GIL, each time one runs (100 ms stalls while training).
# Not umap: its import takes 3.7 s (it imports TensorFlow's parametric UMAP and numba), and
# on a fresh install numba compiles pynndescent's functions for another 15-20 s: the first
# model would wait for that; it is imported when a UMAP map is first asked for.
WINDOW_LIBRARIES = (
    "sklearn.cluster",
    "sklearn.decomposition",
    "sklearn.mixture",
    "sklearn.neighbors",
    "sklearn.utils.extmath",
    "openTSNE",
    "matplotlib.figure",
    "matplotlib.backends.backend_agg",
    "matplotlib.backends.backend_pdf",
    "matplotlib.backends.backend_svg",
    "fontTools.subset",
)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="latent-explorer",
        description="Open the Latent Explorer window with model A and model B side by side.",
    )
    add_slot_arguments(p)  # the same model flags as `compare` (trust, code, ranges)
    p.add_argument(
        "--dataset", default=None, help=f"data set to encode (default {DEFAULT_DATASET})"
    )
    add_data_range_argument(p)
    dev = p.add_argument_group("development")
    dev.add_argument(
        "--stall-log",
        metavar="FILE",
        help="measure the event loop's stalls with a 10 ms timer and write a JSON report "
        "(worst gap per phase, stacks of every gap over 50 ms) to FILE when the window closes",
    )
    dev.add_argument(
        "--quit-when-idle",
        action="store_true",
        help="close the window once the models are loaded and no work is left (with "
        "--stall-log: measure a start-up)",
    )
    return p


def _pair(value) -> tuple[float, float] | None:
    return tuple(value) if isinstance(value, list) and len(value) == 2 else None


def has_display() -> bool:
    """False on Linux without X11/Wayland and without an explicit QT_QPA_PLATFORM."""
    if not sys.platform.startswith("linux"):
        return True
    return any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def resolve_model(text: str) -> str:
    """A bundle path as given, or a shipped model's path for a bare shipped name."""
    from explorer.core.util.paths import shipped_model

    path = Path(text).expanduser()
    if not path.exists() and (shipped := shipped_model(text)).is_dir():
        return str(shipped)
    return str(path)


def load_flags(args: argparse.Namespace) -> dict:
    """The model-file flags of the command line as a slot source's keys (``trust``,
    ``model_code``, ``input_range``, ``output_range``; only those given)."""
    flags: dict = {}
    if args.trust_model_code:
        flags["trust"] = True
    if args.model_code:
        flags["model_code"] = args.model_code
    for key in ("input_range", "output_range"):
        if getattr(args, key) is not None:
            flags[key] = list(getattr(args, key))
    return flags


def initial_models(args: argparse.Namespace, last: dict | None) -> dict[str, dict]:
    """``{slot: source}`` from the arguments, else the last session's models, else shipped."""
    explicit: dict[str, dict] = {}
    for slot, spec in (("A", args.model_a), ("B", args.model_b)):
        enc, dec = (
            getattr(args, f"encoder_{slot.lower()}"),
            getattr(args, f"decoder_{slot.lower()}"),
        )
        if enc or dec:
            explicit[slot] = {"encoder": enc, "decoder": dec}
        elif spec:
            explicit[slot] = {"spec": resolve_model(spec)}
    if explicit:
        flags = load_flags(args)
        return {slot: {**source, **flags} for slot, source in explicit.items()}
    chosen = {}
    for slot, name in zip(("A", "B"), DEFAULT_MODELS, strict=True):
        source = (last or {}).get(slot)
        usable = isinstance(source, dict) and all(
            Path(v).exists() for v in source.values() if isinstance(v, str)
        )
        chosen[slot] = source if usable and source else {"spec": resolve_model(name)}
    return chosen


def create_window(argv: Sequence[str]):
    """Parse ``argv``, create the window and start loading; returns (app, window)."""
    args = build_parser().parse_args(list(argv))
    from PySide6.QtWidgets import QApplication

    from explorer.core.runtime.tf_setup import import_gil_bound_modules, import_with_keras
    from explorer.gui.widgets.settings import APPLICATION, ORGANISATION, open_settings, read_json
    from explorer.gui.window.main_window import MainWindow

    import_gil_bound_modules()  # before the event loop runs (see there)
    import_with_keras(WINDOW_LIBRARIES)  # frozen with Keras: never walked by a collection
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "latent-explorer"])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    settings = open_settings()
    dataset = args.dataset or read_json(settings, "dataset") or DEFAULT_DATASET
    window = MainWindow(dataset=dataset)
    window.data_range = args.data_range or (
        None if args.dataset else _pair(read_json(settings, "data_range"))
    )
    app.aboutToQuit.connect(window.shutdown)
    if args.stall_log:
        _probe_stalls(app, window, args.stall_log)
    window.show()
    window.queue_loads(initial_models(args, read_json(settings, "models")))
    if args.quit_when_idle:
        window.idle.connect(window.close)
    return app, window


def _probe_stalls(app, window, path: str) -> None:
    """A :class:`~explorer.gui.tasks.stall_probe.StallProbe` in the window from its first event;
    its report is written to ``path`` when the application quits."""
    from explorer.gui.tasks.stall_probe import StallProbe

    probe = StallProbe(window).start()
    window.stall_probe = probe

    def write() -> None:
        probe.stop()
        probe.write(path)

    app.aboutToQuit.connect(write)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the window until it is closed; 2 without a display."""
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    app, window = create_window(sys.argv[1:] if argv is None else argv)
    code = app.exec()
    window.shutdown()
    return int(code)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
