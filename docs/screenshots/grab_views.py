"""Screenshots of every view of the real window at 1366x768 and 1920x1080, saved as
``docs/screenshots/<width>x<height>/<view>.png``.

Each screen size runs in a fresh interpreter on Qt's offscreen platform with a screen of
that size (no display needed), on the shipped models and mnist-5k: the window sizes itself
to the screen, then each view is put on the stage after its work ran (a t-SNE map with a
lasso, the k-means curve, reconstructions, the quality table, a short training).
Run from the repository root::

    .venv/bin/python docs/screenshots/grab_views.py [--sizes 1366x768,1920x1080]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SIZES = ("1366x768", "1920x1080")
LASSO = ((-1, -1), (1, -1), (1, 1), (0, 0.2), (-1, 1))


def screen_env(size: str, folder: Path) -> dict[str, str]:
    """The environment of a process whose offscreen screen is ``size`` ("WxH")."""
    width, height = (int(v) for v in size.split("x"))
    screens = folder / "screens.json"
    screen = {"name": size, "x": 0, "y": 0, "width": width, "height": height}
    screens.write_text(json.dumps({"screens": [{**screen, "logicalDpi": 96, "dpr": 1}]}))
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = f"offscreen:configfile={screens}"
    env["LATENT_EXPLORER_SETTINGS_DIR"] = tempfile.mkdtemp(dir=folder)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def grab(out: Path) -> None:
    """In the child: open the window, run each view's work, save one PNG per view."""
    from explorer.gui.window.app import create_window

    out.mkdir(parents=True, exist_ok=True)
    app, window = create_window([])
    window.show()
    assert window.wait_idle(300_000), "the models did not load"
    window.show_tile("B", 9)
    steps = {
        "samples": lambda: None,
        "map": lambda: _map(window),
        "histograms": lambda: None,
        "reconstructions": lambda: None,
        "clusters": window.clusters.run,
        "diagnostics": lambda: None,
        "quality": lambda: None,
        "training": lambda: _training(app, window),
    }
    for name in window.stage.views():
        window.show_view(name)
        steps.get(name, lambda: None)()
        window.wait_idle(600_000)
        app.processEvents()
        window.grab().save(str(out / f"{name}.png"))
    window.close()


def _map(window) -> None:
    panel = window.projection
    panel.method.setCurrentIndex(panel.method.findData("tsne"))
    panel.points.setValue(2000)
    panel.run()
    window.wait_idle(600_000)
    _lasso(panel.map)


def _lasso(view) -> None:
    """A lasso drawn with the mouse (Shift-drag) around the map's centre."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    rect = view.plot_rect()
    cx, cy, r = rect.center().x(), rect.center().y(), min(rect.width(), rect.height()) * 0.3
    corners = [QPoint(int(cx + r * dx), int(cy + r * dy)) for dx, dy in LASSO]
    shift = Qt.KeyboardModifier.ShiftModifier
    QTest.mousePress(view, Qt.MouseButton.LeftButton, shift, corners[0])
    for point in corners[1:]:
        QTest.mouseMove(view, point)
    QTest.mouseRelease(view, Qt.MouseButton.LeftButton, shift, corners[-1])


def _training(app, window) -> None:
    import time

    out = Path(tempfile.mkdtemp()) / "vae_demo"
    window.start_training(preset="mnist", kind="vae", epochs=3, max_images=2000, out=str(out))
    plot = window.training.panel.plot
    end = time.monotonic() + 600
    while time.monotonic() < end and len(plot.line_data("total_loss", "epoch")[0]) < 2:
        app.processEvents()
        time.sleep(0.02)
    window.wait_training(600_000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        grab(Path(args.child))
        return 0
    for size in args.sizes.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            code = subprocess.call(
                [sys.executable, __file__, "--child", str(HERE / size)],
                env=screen_env(size, Path(tmp)),
            )
        if code:
            return code
        print(size, *sorted(p.name for p in (HERE / size).glob("*.png")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
