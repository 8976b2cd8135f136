"""Benchmark: time until the window is on screen, against ``python -c "import tensorflow"``.

The window is shown before TensorFlow is imported (models load in their threads), so it
should appear in a fraction of TensorFlow's import time. Each figure is the wall time of a
fresh subprocess from launch until the window is exposed (or the import finishes), median
of 3 runs (1 with ``--quick``). Without a display the window is made with
``QT_QPA_PLATFORM=offscreen``.

Usage: ``python bench/bench_gui_startup.py [--quick] [--runs N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WINDOW = """
import os, sys, time
t0 = float(os.environ["BENCH_T0"])
from PySide6.QtCore import QTimer
from explorer.gui.window.app import create_window
app, window = create_window([])
def check():
    if window.isVisible() and window.windowHandle() is not None and window.windowHandle().isExposed():
        print(f"WINDOW {time.time() - t0:.4f} TF import started by a model thread: {'tensorflow' in sys.modules}",
              flush=True)
        os._exit(0)
timer = QTimer(interval=5)
timer.timeout.connect(check)
timer.start()
app.exec()
"""

IMPORT_TF = """
import os, time
t0 = float(os.environ["BENCH_T0"])
import tensorflow
print(f"IMPORT {time.time() - t0:.4f}", flush=True)
"""


def run(code: str, tag: str) -> tuple[float, str]:
    env = dict(os.environ, BENCH_T0=repr(time.time()), PYTHONPATH=str(ROOT))
    env.setdefault("LATENT_EXPLORER_SETTINGS_DIR", tempfile.mkdtemp())
    if not any(env.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        env["QT_QPA_PLATFORM"] = "offscreen"
    env["BENCH_T0"] = repr(time.time())
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600, cwd=ROOT
    )
    line = next((x for x in out.stdout.splitlines() if x.startswith(tag)), None)
    if line is None:
        raise SystemExit(f"{tag} run failed:\n{out.stderr[-2000:]}")
    parts = line.split()
    return float(parts[1]), " ".join(parts[2:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run each")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    runs = 1 if args.quick else args.runs
    window, tf = [], []
    note = ""
    for _ in range(runs):
        seconds, note = run(WINDOW, "WINDOW")
        window.append(seconds)
        tf.append(run(IMPORT_TF, "IMPORT")[0])
    w, t = statistics.median(window), statistics.median(tf)
    platform = os.environ.get("QT_QPA_PLATFORM") or (
        "x11" if os.environ.get("DISPLAY") else "offscreen"
    )
    print(f"platform: {platform}; runs: {runs} (median)")
    print(f"time to window          : {w:6.2f} s  ({note})  runs {[round(x, 2) for x in window]}")
    print(f"python -c 'import tensorflow': {t:6.2f} s  runs {[round(x, 2) for x in tf]}")
    print(f"ratio window / tensorflow import: {w / t:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
