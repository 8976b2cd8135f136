"""Benchmark: event-loop latency of the window while the heavy work runs in workers.

The window's own stall probe (:class:`explorer.gui.tasks.stall_probe.StallProbe`, the one
``latent-explorer --stall-log`` starts: a 10 ms ``QTimer`` from the event loop's first
tick) records the gap between its ticks while the window (1) starts and loads the shipped
models (TensorFlow import, model load, cached encodings; the time to create the window
before its event loop runs is printed apart), (2) encodes mnist-5k with model A without
the cache, (3) resamples and decodes grids (normal and Gaussian mixture, with the live
histogram update), (4) runs t-SNE, (5) the k-means sweep, (6) trains the mnist VAE for one
epoch with the loss curves on screen and (7) exports every plot and the map (PNG, SVG,
PDF, on the renderer thread). A gap much above 10 ms is a stall the user feels (the GIL is
shared with the workers; 2 cores here). ``--stacks`` prints, for the worst gap, the stack
samples the probe's watchdog took (what every thread was doing).
Printed per phase: wall time, ticks, median / 99th percentile / maximum gap, and the longest
pause a *witness* saw in the same interval; then the worst stall overall. The witness is a
separate process that only sleeps 5 ms at a time, at real-time priority when it may
(``SCHED_FIFO``, e.g. as root): whatever pause it sees is the machine's (a virtual machine
descheduled by its host, the kernel), not the window's, so a window gap that coincides with
a witness pause is at least partly the machine's. Without that priority it shares the CPU
with everything else and the last line says ``normal priority``. Pauses under 15 ms are not
logged (``<15``).

Usage: ``python bench/bench_gui_latency.py [--quick] [--switch-interval S]`` (offscreen
unless a display is set; ``--switch-interval 0.005`` measures with Python's default GIL
switch interval instead of the window's 1 ms, see ``workers.favour_event_loop``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if not any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("LATENT_EXPLORER_SETTINGS_DIR", tempfile.mkdtemp())

WITNESS = """
import os, sys, time
out = open(sys.argv[1], "w", buffering=1)
try:
    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
    out.write("realtime\\n")
except (AttributeError, OSError):
    out.write("normal\\n")
parent, last = os.getppid(), time.monotonic()
while os.getppid() == parent:
    time.sleep(0.005)
    now = time.monotonic()
    if now - last > 0.015:
        out.write(f"{now:.4f} {(now - last) * 1000:.1f}\\n")
    last = now
"""


class Witness:
    """A sleeping process whose late wake-ups are the machine's pauses (see the docstring)."""

    def __init__(self) -> None:
        import subprocess

        self.log = Path(tempfile.mkdtemp()) / "witness.log"
        self.proc = subprocess.Popen([sys.executable, "-c", WITNESS, str(self.log)])

    def priority(self) -> str:
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        return lines[0] if lines else "not started"

    def worst(self, t0: float, t1: float) -> float:
        """Longest pause (ms) that overlaps the monotonic-clock interval [t0, t1]."""
        worst = 0.0
        for line in self.log.read_text().splitlines()[1:] if self.log.exists() else []:
            end, gap = map(float, line.split())
            if end >= t0 and end - gap / 1000 <= t1:
                worst = max(worst, gap)
        return worst

    def summary(self) -> str:
        """The last line of a bench: the witness's priority and the longest pause it saw."""
        worst = self.worst(0.0, time.monotonic())
        pause = f"{worst:.1f} ms" if worst else "under 15 ms"
        return f"witness ({self.priority()} priority): the machine's longest pause {pause}"

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


def run_phase(
    window, probe, name: str, start, witness: Witness, timeout_ms: int = 600_000
) -> tuple:
    probe.mark(name)
    t0, m0 = time.perf_counter(), time.monotonic()
    start()
    ok = window.wait_idle(timeout_ms)
    wall = time.perf_counter() - t0
    return report_phase(probe.phases[-1], wall, witness.worst(m0, time.monotonic()), ok)


def report_phase(phase, wall: float, machine: float, ok: bool = True) -> tuple:
    gaps = np.asarray(phase.gaps or [0.0])
    row = (phase.name, wall, len(gaps), np.median(gaps), np.percentile(gaps, 99), gaps.max(), ok)
    print(
        f"{phase.name:<44} {wall:7.2f} s {len(gaps):6d} {row[3]:7.1f} {row[4]:7.1f} "
        f"{row[5]:8.1f} {f'{machine:.1f}' if machine else '<15':>8}"
        + ("" if ok else "  (timed out)"),
        flush=True,
    )
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller t-SNE, k-means and training")
    parser.add_argument(
        "--stacks", action="store_true", help="print the stack samples of the worst gap"
    )
    parser.add_argument(
        "--switch-interval",
        type=float,
        default=None,
        help="GIL switch interval in seconds instead of the window's 0.001 (Python: 0.005)",
    )
    args = parser.parse_args(argv)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    witness = Witness()
    try:
        _run(app, args, witness)
    finally:
        witness.stop()
    return 0


def _run(app, args, witness: Witness) -> None:
    from explorer.core.util.paths import shipped_model
    from explorer.gui.window import menus
    from explorer.gui.window.app import create_window

    rows = []
    print(
        f"{'phase':<44} {'wall':>9} {'ticks':>6} {'median':>7} {'p99':>7} {'max gap':>8} "
        f"{'witness':>8} (ms)"
    )
    t0, m0 = time.perf_counter(), time.monotonic()
    # as `latent-explorer --stall-log`: the probe ticks from the event loop's first turn
    window = create_window(["--stall-log", os.devnull])[1]
    probe = window.stall_probe
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)
    print(f"{'window created (before its event loop runs)':<44} {time.perf_counter() - t0:7.2f} s")
    probe.mark("start: TF import + 2 model loads")
    ok = window.wait_idle(600_000)
    rows.append(
        report_phase(
            probe.phases[-1], time.perf_counter() - t0, witness.worst(m0, time.monotonic()), ok
        )
    )

    def phase(target, name: str, start) -> None:
        rows.append(run_phase(target, probe, name, start, witness))

    slot = window.slots["A"]
    source = {"spec": str(shipped_model("mnist_ae"))}

    def encode():
        slot.controller.request(
            "load",
            {**source, "dataset": "mnist-5k", "cache": False},
            on_done=lambda out: window.slot_manager.loaded_into(slot, source, out),
        )

    phase(window, "encode mnist-5k with A (no cache) + analyses", encode)
    for method in ("Normal", "Gaussian mixture"):

        def resample(method=method):
            window.sampler.method.setCurrentText(method)
            window.sampler.seed.setValue(window.sampler.seed.value() + 1)
            window.resample()

        phase(window, f"resample + decode + histograms: {method}", resample)
    panel = window.projection
    panel.method.setCurrentIndex(panel.method.findData("tsne"))
    panel.points.setValue(500 if args.quick else 5000)
    panel.fields["tsne"]["iterations"].setText("250" if args.quick else "500")
    phase(window, f"t-SNE {panel.points.value()} points (live map)", panel.run)
    window.clusters.ks.setText("2:10:2" if args.quick else "2:40:2")
    phase(window, f"k-means k = {window.clusters.ks.text()}", window.clusters.run)
    with tempfile.TemporaryDirectory() as out:
        window.show_view("training")  # the loss curves on screen while it trains
        images = 256 if args.quick else 4500  # the tests train on at most 256 images
        train = _Training(window, preset="mnist", epochs=1, max_images=images, out=out + "/vae")
        phase(train, f"training 1 epoch, {images} images", train.start)
        phase(window, "export every plot and the map", lambda: menus.export_plots(window, out))
    worst = max(rows, key=lambda r: r[5])
    print(f"worst stall: {worst[5]:.1f} ms during '{worst[0]}' (timer interval 10 ms)")
    if args.stacks:
        _print_stacks(probe, worst[0])
    print(witness.summary())
    probe.stop()
    window.close()
    app.processEvents()


def _print_stacks(probe, phase: str) -> None:
    gaps = [g for g in probe.long_gaps if g["phase"] == phase]
    if not gaps:
        return
    worst = max(gaps, key=lambda g: g["gap_ms"])
    near = [s for s in probe.watch.samples if abs(s.at - worst["at"]) < worst["gap_ms"] / 1000]
    for sample in near:
        print(f"-- stacks {sample.late_ms:.0f} ms into the gap:")
        for thread, lines in sample.stacks.items():
            print(f"   {thread}: " + " <- ".join(reversed(lines[-6:])))
    start = worst["at"] - worst["gap_ms"] / 1000
    for c in probe.watch.collections:
        if c.at >= start and c.at - c.ms / 1000 <= worst["at"]:
            print(
                f"-- garbage collection in the gap: generation {c.generation} on "
                f"{c.thread}, {c.ms:.0f} ms, {c.collected} collected"
            )
    slow = sorted(probe.watch.collections, key=lambda c: -c.ms)[:5]
    print(
        "slowest collections: "
        + ", ".join(f"{c.ms:.0f} ms (gen {c.generation}, {c.thread})" for c in slow)
    )


class _Training:
    """A training in the window (live loss curves); ``wait_idle`` waits for its end."""

    def __init__(self, window, **options) -> None:
        self.window, self.options = window, options

    def start(self) -> None:
        self.window.start_training(**self.options)

    def wait_idle(self, timeout_ms: int) -> bool:
        return self.window.wait_training(timeout_ms) and self.window.wait_idle(timeout_ms)


if __name__ == "__main__":
    sys.exit(main())
