"""Stress: random user actions in one window for many rounds; the window must not crash.

Each round does one action picked at random (seeded) and lets the event loop run for
0-60 ms, so work is usually still in flight when the next action comes: resample, switch
the sampler, resize the window, export every plot and a grid, start a map (t-SNE or PCA)
and sometimes cancel it at once, switch the map's method, draw a lasso on the map, clear a
model and load it again, start a small training and cancel it. Every tenth round waits until
the window is idle. At the end the window is closed with a training, a map and a resample
in flight, and no thread may be left running.

A crash ends the process (run it as ``python -X faulthandler`` to see where); an exception
raised inside a Qt slot or an action's unexpected error is counted and fails the run. Errors
the window reports to the user (an :class:`~explorer.core.errors.ExplorerError`: e.g. a grid
not drawn yet) are expected and only counted.

Usage: ``python -X faulthandler bench/stress_window.py [--rounds N] [--seed S] [--quick]``
(default 300 rounds; ``--quick``: 60). Prints the actions done, the worst event-loop stall
and ``stress: N rounds, no crash``.
"""

from __future__ import annotations

import argparse
import faulthandler
import os
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if not any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("LATENT_EXPLORER_SETTINGS_DIR", tempfile.mkdtemp())
os.environ.setdefault("LATENT_EXPLORER_MPL_GUARD", "1")  # matplotlib off its thread fails

SIZES = ((1366, 768), (1920, 1080), (1100, 700), (1600, 900))
MAP_METHODS = ("tsne", "pca")
SAMPLERS_SKIPPED = ()  # every sampler of the combo box is tried


class Stress:
    """The actions, on one window; ``errors`` are the unexpected ones."""

    def __init__(self, window, out: Path, rng: random.Random) -> None:
        self.w, self.out, self.rng = window, out, rng
        self.done: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.errors: list[str] = []
        self.trainings = 0

    def actions(self) -> list:
        return [
            self.resample,
            self.switch_sampler,
            self.resize,
            self.export_plots,
            self.export_grid,
            self.start_map,
            self.switch_map_method,
            self.lasso,
            self.reload_model,
            self.train_and_cancel,
        ]

    def do(self, action) -> None:
        from explorer.core.errors import ExplorerError

        name = action.__name__
        try:
            action()
            self.done[name] += 1
        except ExplorerError as exc:
            self.refused[f"{name}: {exc}"] += 1
        except Exception:  # noqa: BLE001 - a bug: counted, printed, fails the run
            self.errors.append(f"{name}: {traceback.format_exc()}")

    # ------------------------------------------------------------------ actions
    def resample(self) -> None:
        self.w.sampler.seed.setValue(self.rng.randrange(10_000))
        self.w.resample()

    def switch_sampler(self) -> None:
        combo = self.w.sampler.method
        combo.setCurrentIndex(self.rng.randrange(combo.count()))

    def resize(self) -> None:
        self.w.resize(*self.rng.choice(SIZES))

    def export_plots(self) -> None:
        from explorer.gui.window import menus

        menus.export_plots(self.w, str(self._folder("plots")))

    def export_grid(self) -> None:
        slot = self.rng.choice("AB")
        self.w.export_grid(slot, self._folder("grids") / f"grid_{slot}.png")

    def start_map(self) -> None:
        panel = self.w.projection
        panel.points.setValue(self.rng.choice((300, 600)))
        panel.run()
        if self.rng.random() < 0.4:
            panel.cancel()

    def switch_map_method(self) -> None:
        panel = self.w.projection
        panel.method.setCurrentIndex(panel.method.findData(self.rng.choice(MAP_METHODS)))

    def lasso(self) -> None:
        from PySide6.QtCore import QPoint, Qt
        from PySide6.QtTest import QTest

        view = self.w.projection.map
        if view.points is None:
            return
        rect = view.plot_rect()
        cx, cy = rect.center().x(), rect.center().y()
        r = min(rect.width(), rect.height()) * self.rng.uniform(0.1, 0.4)
        corners = [QPoint(int(cx + r * dx), int(cy + r * dy)) for dx, dy in _POLYGON]
        shift = Qt.KeyboardModifier.ShiftModifier
        QTest.mousePress(view, Qt.MouseButton.LeftButton, shift, corners[0])
        for p in corners[1:]:
            QTest.mouseMove(view, p)
        QTest.mouseRelease(view, Qt.MouseButton.LeftButton, shift, corners[-1])

    def reload_model(self) -> None:
        slot = self.rng.choice("AB")
        source = dict(self.w.slots[slot].source or {})
        self.w.clear_slot(slot)
        if source:
            self.w.load_source(slot, source)

    def train_and_cancel(self) -> None:
        self.trainings += 1
        out = self._folder("train") / f"run{self.trainings}"
        self.w.start_training(
            preset="mnist", kind=self.rng.choice(("ae", "vae")), epochs=1, max_images=64,
            batch_size=32, filters=[8, 16, 16], out=str(out),
        )  # fmt: skip
        _run_events(self.rng.uniform(0.0, 0.3))
        self.w.cancel_training()

    def _folder(self, name: str) -> Path:
        folder = self.out / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder


_POLYGON = ((-1, -1), (1, -1), (1, 1), (0, 0.2), (-1, 1))
HANG_S = 300  # a round (with its waits of up to 2 x 120 s) that takes longer is a hang


def _run_events(seconds: float) -> None:
    from PySide6.QtTest import QTest

    QTest.qWait(int(seconds * 1000))


def run(rounds: int, seed: int, out: Path, stall_log: str = os.devnull) -> int:
    """The stress run; returns the exit code (0: no unexpected error, no thread left)."""
    from PySide6.QtWidgets import QMessageBox

    from explorer.gui.tasks.workers import running_threads
    from explorer.gui.window.app import create_window

    slot_errors: list[str] = []

    def hook(kind, value, tb) -> None:  # an exception raised inside a Qt slot
        slot_errors.append("".join(traceback.format_exception(kind, value, tb)))

    sys.excepthook = hook
    # "A training is running. Stop it and quit?" -> Yes (the close at the end)
    QMessageBox.question = staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)
    t0 = time.perf_counter()
    app, window = create_window(["--stall-log", stall_log])
    if not window.wait_idle(300_000):
        print("the shipped models did not load in time", file=sys.stderr)
        return 1
    print(f"window up and models loaded in {time.perf_counter() - t0:.1f} s", flush=True)
    window.stall_probe.mark("stress")
    rng = random.Random(seed)
    stress = Stress(window, out, rng)
    actions = stress.actions()
    t1 = time.perf_counter()
    for i in range(rounds):
        # a hang (a deadlock) is a failure with every thread's stack, not a silent time-out
        faulthandler.dump_traceback_later(HANG_S, exit=True)
        stress.do(rng.choice(actions))
        _run_events(rng.uniform(0.0, 0.06))
        if i % 10 == 9:
            window.wait_training(120_000)
            window.wait_idle(120_000)
    faulthandler.cancel_dump_traceback_later()
    print(f"{rounds} rounds in {time.perf_counter() - t1:.1f} s", flush=True)
    window.stall_probe.mark("close with work in flight")
    stress.train_and_cancel = lambda: None  # leave the last one running
    window.start_training(
        preset="mnist", epochs=2, max_images=128, filters=[8, 16, 16], out=str(out / "last")
    )
    window.projection.run()
    window.resample()
    _run_events(0.2)
    window.close()
    app.processEvents()
    app.aboutToQuit.emit()  # writes the stall log
    left = [t.objectName() for t in running_threads()]
    print("actions done:", dict(sorted(stress.done.items())))
    print("refused (one line for the user):")
    for reason, count in sorted(stress.refused.items()):
        print(f"  {count} x {reason}")
    stall = window.stall_probe.worst("stress")
    print(f"worst event-loop stall during the rounds: {stall:.0f} ms")
    errors = stress.errors + slot_errors
    for text in errors[:5]:
        print(text, file=sys.stderr)
    if left:
        print(f"threads left running after close: {left}", file=sys.stderr)
    if errors or left:
        print(f"stress: {rounds} rounds, {len(errors)} unexpected errors, {len(left)} threads left")
        return 1
    print(f"stress: {rounds} rounds, no crash")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 300)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="60 rounds")
    parser.add_argument(
        "--stall-log", default=os.devnull, metavar="FILE", help="the stall probe's JSON report"
    )
    args = parser.parse_args(argv)
    rounds = args.rounds or (60 if args.quick else 300)
    with tempfile.TemporaryDirectory() as out:
        return run(rounds, args.seed, Path(out), args.stall_log)


if __name__ == "__main__":
    sys.exit(main())
