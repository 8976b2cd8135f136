"""Open the real window, wait for the shipped models, and save screenshots here.

Run under Xvfb from the repository root::

    xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python docs/screenshots/grab_window.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    os.environ.setdefault("LATENT_EXPLORER_SETTINGS_DIR", tempfile.mkdtemp())
    from explorer.gui.app import create_window

    app, window = create_window(sys.argv[1:])
    window.resize(1600, 1000)
    window.move(0, 0)
    if not window.wait_idle(300_000):
        print("models did not load in time", file=sys.stderr)
        return 1
    view = window.grids.views["B"]
    if view._rects:
        window.show_tile("B", 9)
    app.processEvents()
    window.grab().save(str(HERE / "window.png"))
    panel = window.projection
    panel.points.setValue(1500)
    window.docks["Projection"].raise_()
    panel.run()
    window.wait_idle(300_000)
    panel.show_point("A", 5)
    window.wait_idle(30_000)
    window.clusters.run()
    window.wait_idle(300_000)
    app.processEvents()
    window.grab().save(str(HERE / "window_tsne.png"))
    window.docks["Clusters"].raise_()
    app.processEvents()
    window.grab().save(str(HERE / "window_kmeans.png"))
    grab_training(app, window)
    window.close()
    print("saved", *sorted(p.name for p in HERE.glob("*.png")))
    return 0


def grab_training(app, window) -> None:
    """training.png: a VAE training in its third epoch, loss curves live, models explored."""
    import time

    out = Path(tempfile.mkdtemp()) / "vae_demo"
    window.docks["Training"].raise_()
    window.start_training(preset="mnist", kind="vae", epochs=4, max_images=3000, out=str(out))
    plot = window.training.panel.plot
    end = time.monotonic() + 600
    while time.monotonic() < end and len(plot.line_data("total_loss", "epoch")[0]) < 2:
        app.processEvents()
        time.sleep(0.02)
    end = time.monotonic() + 3  # into the third epoch, the next image drawn
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)
    scroll = window.training.widget  # the form is tall: show the progress and the curves
    scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
    app.processEvents()
    window.grab().save(str(HERE / "training.png"))
    window.cancel_training()
    window.wait_training(60_000)


if __name__ == "__main__":
    sys.exit(main())
