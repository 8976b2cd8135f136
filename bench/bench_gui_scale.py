"""Benchmark: the window at the seeds' scale, 200k encoded z-points of 256 components per slot.

Set-up (not timed): 64 stand-in faces (``bench/make_faces.py``) and a ``celeba64`` VAE with
z_dim 256 trained for one epoch on them. Both slots load that bundle through the window's
model threads; the encodings they hand to the window are then swapped for 200k x 256
z-points drawn from a 10-cluster Gaussian mixture (``mu``, ``logvar`` and ``z`` of a VAE),
so everything after the encoder (analyses, sampling, plots, k-means, t-SNE) runs on data of
CelebA's size. Encoding 200k real images is measured in ``bench_streaming.py``.

Each phase runs with the window's 10 ms event-loop probe
(``explorer/gui/tasks/stall_probe.py``) and prints the wall time and the worst gap between
ticks (a gap well above 10 ms is a stall the user feels), beside the longest pause of the
same bench's witness process (the machine's own pauses, see ``bench_gui_latency.py``). Phases:

1. summaries: radii, component histograms and statistics, VAE diagnostics of both slots
   (2 x 200k x 256) in a worker, then both histogram plots drawn;
2. resample (Normal) with the live sampler summary (hit rates against 200k points);
3. the component view: another slot -> its 256-row heatmap on screen (goal <= 250 ms), and
   another component -> its curve on screen, five times each;
4. the k-means inertia sweep k = 2..80 step 2 on 200k points of slot A;
5. a t-SNE map of ``--tsne-points`` points in the window (default 20k; the seeds' 140k takes
   about 10 minutes here, see ``bench_scale_analysis.py --parts tsne``), forming live: the
   seconds from Run to the first frame on screen (goal <= 3 s) and to the last;
6. the map at scale, before and after issue 15, side by side in one run. *Before*: the map as
   a matplotlib figure drawn in the renderer thread (``RenderedPlot`` + ``draw_tsne``, as the
   window drew it until then) of 140k clustered points, five pans and four zooms, each
   request -> image on screen. *After*: the window's own ``MapView`` (NumPy dots, Qt axes)
   with the same 140k points and with 1M random points, measured by
   ``bench_map_view.measure``: pans and zooms (goals <= 33 ms at 140k, <= 100 ms at 1M), a
   lasso of about half the map (goal <= 100 ms), a live frame, a hover look-up.

The window runs on a pinned screen of 1920x1200 (offscreen, unless a display is given), so
that its layout (the Projection panel in the bottom row) is the same on every machine.

Usage: ``python bench/bench_gui_scale.py [--quick] [--points N] [--tsne-points N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
SCREEN = (1920, 1200)  # pinned: the bottom docks get a row of their own (window_layout.TALL)
if not any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
    _screens = Path(tempfile.mkdtemp(prefix="bench_screen_")) / "screens.json"
    _screens.write_text(
        json.dumps({"screens": [dict(name="bench", x=0, y=0, width=SCREEN[0], height=SCREEN[1])]})
    )
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_screens}"
os.environ.setdefault("LATENT_EXPLORER_SETTINGS_DIR", tempfile.mkdtemp())
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import bench_map_view  # noqa: E402
from bench_gui_latency import Witness, run_phase  # noqa: E402

GOAL_MS = 250
MAP_WINDOW = (1760, 1040)  # the window, with the map view on its stage, for the map timings
STALL_GOAL_MS = 100


def train_bundle(work: Path) -> tuple[Path, Path]:
    """A celeba64 VAE with z_dim 256 (one epoch on 64 stand-in faces): (bundle, image folder)."""
    import make_faces

    from explorer.core.training.training import TrainConfig, train

    images = make_faces.make_faces(work / "faces", 64, seed=0, workers=1)
    out = work / "vae256"
    config = TrainConfig.from_options(
        preset="celeba64", kind="vae", z_dim=256, epochs=1, batch_size=32, dataset=str(images),
        out=str(out), seed=0,
    )  # fmt: skip
    result = train(config)
    if result.status != "finished":
        raise SystemExit(f"could not train the set-up model: {result.status}")
    return out, images


def mixture_encodings(n: int, z_dim: int, n_images: int, seed: int):
    """VAE-like encodings of ``n`` points: 10 Gaussian clusters, labels = cluster."""
    from explorer.core.latent.encodings import Encodings

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    centres = rng.normal(0.0, 1.5, (10, z_dim)).astype(np.float32)
    mu = centres[labels] + rng.standard_normal((n, z_dim), dtype=np.float32)
    logvar = rng.uniform(-2.0, 0.0, (n, z_dim)).astype(np.float32)
    z = mu + np.exp(0.5 * logvar) * rng.standard_normal((n, z_dim), dtype=np.float32)
    return Encodings(
        z=z, mu=mu, logvar=logvar, labels=labels, indices=np.arange(n) % n_images,
        label_names=[f"cluster {i}" for i in range(10)], kind="vae", model_name="vae256",
        dataset_name="mixture",
    )  # fmt: skip


def clustered_embedding(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A 2-D map like t-SNE's output: 10 blobs of different sizes; (embedding, labels)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    centres = rng.uniform(-60, 60, (10, 2))
    spread = rng.uniform(4, 12, 10)
    points = centres[labels] + rng.standard_normal((n, 2)) * spread[labels, None]
    return points.astype(np.float32), labels


def wait_image(window, plot, trigger, timeout_s: float = 60.0) -> float:
    """Milliseconds from ``trigger()`` to the plot's next image on screen; the window's
    earlier work is finished first (a user does not click ten times a second)."""
    from PySide6.QtCore import QEventLoop, QTimer

    window.wait_idle(int(timeout_s * 1000))
    loop = QEventLoop()
    done = {}

    def shown():
        done.setdefault("t", time.perf_counter())
        loop.quit()

    plot.imageShown.connect(shown)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    start = time.perf_counter()
    trigger()
    if "t" not in done:
        loop.exec()
    plot.imageShown.disconnect(shown)
    if "t" not in done:
        raise SystemExit(f"{plot.objectName()}: no image within {timeout_s} s")
    if plot.error:
        raise SystemExit(f"{plot.objectName()}: {plot.error}")
    return (done["t"] - start) * 1000


def old_map_path(window, panel, n: int) -> dict:
    """The map as the window drew it before issue 15: a matplotlib figure (``draw_tsne``)
    drawn in the renderer thread at the map's size; first draw, 5 pans (a tenth of the view
    each) and 4 zooms, each request -> image on screen (ms)."""
    from explorer.gui.plots.plot_renderer import RenderedPlot

    embedding, labels = clustered_embedding(n, 0)
    plot = RenderedPlot("oldMap", "old map", window.renderer)
    plot.resize(panel.map.size())
    plot.show()
    view: dict = {}

    def draw(keep_layout: bool) -> None:
        limits = view.get("limits")

        def build(fig):
            from explorer.core.output.plots import draw_tsne

            ax = fig.subplots()
            draw_tsne(ax, embedding, labels, None, s=6)
            if limits is not None:
                ax.set_xlim(*limits[0])
                ax.set_ylim(*limits[1])
            return ax

        plot.show_figure(build, keep_layout)

    out = {"first": wait_image(window, plot, lambda: draw(False))}
    (x0, x1), (y0, y1) = plot.info.get_xlim(), plot.info.get_ylim()

    def move(fx: float, fy: float, zoom: float = 1.0) -> None:
        (a, b), (c, d) = view.get("limits", ((x0, x1), (y0, y1)))
        mx, my, hx, hy = (a + b) / 2, (c + d) / 2, (b - a) / 2 * zoom, (d - c) / 2 * zoom
        mx, my = mx + fx * (b - a), my + fy * (d - c)
        view["limits"] = ((mx - hx, mx + hx), (my - hy, my + hy))
        draw(True)

    out["pan"] = [
        wait_image(window, plot, lambda f=f: move(*f))
        for f in ((0.1, 0), (0, 0.1), (-0.1, -0.05), (0.05, 0.1), (-0.1, 0))
    ]
    out["zoom"] = [
        wait_image(window, plot, lambda z=z: move(0, 0, z)) for z in (0.8, 0.8, 1.25, 1.25)
    ]
    plot.close()
    plot.deleteLater()
    return out


def report(name: str, times: list[float], size) -> float:
    t = np.asarray(times)
    print(
        f"{name:<44} median {np.median(t):6.0f} ms, max {t.max():6.0f} ms over {len(t)} "
        f"({size.width()}x{size.height()} px; goal <= {GOAL_MS} ms: "
        f"{'met' if t.max() <= GOAL_MS else 'MISSED'})",
        flush=True,
    )
    return float(t.max())


def gap_row(name: str, probe) -> tuple:
    """The event-loop gaps since ``probe.mark()``, printed like ``run_phase`` rows."""
    gaps = np.asarray(probe.phases[-1].gaps or [0.0])
    print(
        f"{name:<44} {'':9} {len(gaps):6d} {np.median(gaps):7.1f} "
        f"{np.percentile(gaps, 99):7.1f} {gaps.max():8.1f}",
        flush=True,
    )
    return (name, 0.0, len(gaps), 0.0, 0.0, float(gaps.max()), True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5k points, small sweeps")
    parser.add_argument("--points", type=int, help="encoded points per slot (default 200000)")
    parser.add_argument("--map-points", type=int, help="points of the map (default 140000)")
    parser.add_argument("--tsne-points", type=int, help="t-SNE in the window (default 20000)")
    args = parser.parse_args(argv)
    witness = Witness()  # the machine's own pauses, beside the window's gaps
    try:
        with tempfile.TemporaryDirectory(prefix="bench_gui_scale_") as work:
            return run(args, Path(work), witness)
    finally:
        witness.stop()


def run(args, work: Path, witness: Witness) -> int:
    os.environ["XDG_CACHE_HOME"] = str(work / "cache")  # the throw-away model's encodings
    from PySide6.QtWidgets import QApplication

    from explorer.core.stats.maps import map_codes
    from explorer.gui.map.map_picks import point_labels
    from explorer.gui.map.map_points import MapPoints
    from explorer.gui.map.map_run import rows_colours
    from explorer.gui.window.main_window import MainWindow

    n = args.points or (5000 if args.quick else 200_000)
    n_map = args.map_points or (5000 if args.quick else 140_000)
    n_tsne = args.tsne_points or (500 if args.quick else 20_000)
    ks = "2:6:2" if args.quick else "2:80:2"
    t0 = time.perf_counter()
    bundle, images = train_bundle(work)
    encodings = {slot: mixture_encodings(n, 256, 64, seed) for seed, slot in enumerate(("A", "B"))}
    print(f"set-up: VAE z_dim 256 + 2 x {n} x 256 z-points in {time.perf_counter() - t0:.0f} s")

    app = QApplication.instance() or QApplication([])
    window = MainWindow(dataset=str(images))
    window.resize(1600, 1000)
    window.show()
    window.show_view("map")
    app.processEvents()
    from explorer.gui.tasks.stall_probe import StallProbe

    probe = StallProbe(window).start()  # the window's own probe (latent-explorer --stall-log)
    rows = []
    print(
        f"{'phase':<44} {'wall':>9} {'ticks':>6} {'median':>7} {'p99':>7} {'max gap':>8} "
        f"{'witness':>8} (ms)"
    )

    def load():
        for slot, enc in encodings.items():
            s, source = window.slots[slot], {"spec": str(bundle)}
            s.controller.request(
                "load",
                {**source, "dataset": str(images)},
                on_done=lambda out, s=s, source=source, enc=enc: window.slot_manager.loaded_into(
                    s, source, {**out, "encodings": enc}
                ),
                on_error=lambda text: print("load failed:", text),
            )

    rows.append(run_phase(window, probe, f"load + summaries of 2 x {n} x 256", load, witness))

    def resample():
        window.sampler.method.setCurrentText("Normal")
        window.sampler.seed.setValue(window.sampler.seed.value() + 1)
        window.resample()

    rows.append(run_phase(window, probe, "resample Normal + sampler summary", resample, witness))

    panel = window.histograms
    probe.mark("")
    heat_times = [
        wait_image(window, panel.component_plot, lambda s=s: panel.source.setCurrentText(s))
        for s in ("B", "A", "B", "A", "B")
    ]
    window.wait_idle(60_000)
    curve_times = [
        wait_image(window, panel.curve_plot, lambda j=j: panel.component.setValue(j))
        for j in (1, 7, 42, 128, 255)
    ]
    relayout_times = [
        wait_image(window, panel.component_plot, panel.component_plot._rerender) for _ in range(3)
    ]
    window.wait_idle(60_000)
    heat_max = max(
        report("slot change -> 256-row heatmap", heat_times, panel.component_plot.size()),
        report("resize -> heatmap, new layout", relayout_times, panel.component_plot.size()),
        report("component change -> its curve", curve_times, panel.curve_plot.size()),
    )
    rows.append(gap_row("component plots: 10 redraws", probe))

    window.clusters.ks.setText(ks)
    rows.append(
        run_phase(window, probe, f"k-means k = {ks} on {n} points", window.clusters.run, witness)
    )

    panel = window.projection
    window.show_view("map")
    panel.method.setCurrentIndex(panel.method.findData("tsne"))
    panel.points.setValue(n_tsne)
    panel.fields["tsne"]["iterations"].setText("250" if args.quick else "500")
    frames: list[float] = []
    show_frame = panel._frame

    def timed_frame(frame):  # connected by run(): the time each frame reaches the map
        show_frame(frame)
        frames.append(time.perf_counter())

    panel._frame = timed_frame
    started = time.perf_counter()
    rows.append(run_phase(window, probe, f"t-SNE map of {n_tsne} points", panel.run, witness))
    panel._frame = show_frame
    enc = window.slots["A"].encodings
    if frames:
        print(
            f"live t-SNE of {n_tsne} points: first frame on screen {frames[0] - started:.1f} s "
            f"after Run (goal <= 3 s: {'met' if frames[0] - started <= 3 else 'MISSED'}), "
            f"{len(frames)} frames, the last at {frames[-1] - started:.1f} s",
            flush=True,
        )

    probe.mark("")
    before = old_map_path(window, panel, n_map)
    rows.append(gap_row("maps: the old path (matplotlib), for comparison", probe))
    probe.mark("")
    window.resize(*MAP_WINDOW)  # the map view on the stage of a large window
    window.show_view("map")
    for _ in range(5):
        app.processEvents()
    window.wait_idle(60_000)  # the plots the new layout resized are drawn again first
    rows.append(gap_row("maps: the map view of a large window", probe))
    seen = panel.map.visibleRegion().boundingRect()
    print(f"map {panel.map.width()}x{panel.map.height()} px, {seen.width()}x{seen.height()} seen")
    if seen.isEmpty():  # Qt does not paint it: its timings would mean nothing
        raise SystemExit("the map is not on screen")

    ready: dict = {}  # the map's arrays as a run's worker makes them, made before timing

    def prepare(n: int, kind: str) -> None:
        def make():
            data = bench_map_view.prepare(n, 0, kind)
            xy = data["xy"]
            rows_used = np.arange(len(xy)) % len(enc.z)
            colours = rows_colours(
                panel.colouring(), map_codes(enc), rows_used, point_labels(enc), enc.label_names
            )
            ready[n] = (rows_used, MapPoints.of(xy), colours, panel.colouring(), data)

        worker = threading.Thread(target=make)  # a worker, as in the window
        worker.start()
        while worker.is_alive():
            app.processEvents()
            worker.join(0.005)

    def show(xy, labels):
        """As a finished run shows its map (points and colours made by its worker, above),
        through the panel: a lasso also shows the selection's images."""
        rows_used, points, colours, colouring, _ = ready[len(xy)]
        panel._show("A", enc, rows_used, points, f"map of {len(xy)} points", "tsne", colours,
                    colouring)  # fmt: skip

    prepare(n_map, "clustered")
    probe.mark("")
    after = [bench_map_view.measure(panel.map, n_map, 0, "clustered", show, ready[n_map][-1])]
    window.wait_idle(60_000)
    if not args.quick:
        prepare(1_000_000, "random")
        after.append(
            bench_map_view.measure(panel.map, 1_000_000, 0, "random", show, ready[1_000_000][-1])
        )
    window.wait_idle(60_000)
    print(
        f"\n{'map (ms, median of 5 pans / 4-6 zooms)':<44} {'before':>8} {'after':>8} "
        f"{'ratio':>7}   (before: matplotlib figure in the renderer thread; "
        f"after: MapView, {after[0]['size'][0]}x{after[0]['size'][1]} px)"
    )
    for name in ("pan", "zoom"):
        old, new = np.median(before[name]), np.median(after[0][name])
        print(f"{name + f' {n_map} points':<44} {old:8.1f} {new:8.1f} {old / new:6.1f}x")
    print(f"{'first draw':<44} {before['first']:8.1f} {after[0]['first']:8.1f}")
    goals_met = all([bench_map_view.report(out) for out in after])  # every report printed
    map_max = max(max(out["pan"] + out["zoom"]) for out in after)
    rows.append(gap_row("maps: MapView at 140k" + ("" if args.quick else " + 1M"), probe))
    print(f"map goals (pan/zoom, lasso, stall per step): {'met' if goals_met else 'MISSED'}")

    worst = max(rows, key=lambda r: r[5])
    print(
        f"redraw worst: component view {heat_max:.0f} ms (goal {GOAL_MS} ms), map {map_max:.0f} ms"
    )
    print(
        f"worst stall: {worst[5]:.1f} ms during '{worst[0]}' "
        f"(goal <= {STALL_GOAL_MS} ms: {'met' if worst[5] <= STALL_GOAL_MS else 'MISSED'})"
    )
    print(witness.summary())
    probe.stop()  # its stall-watch thread too (the tests run main() in their process)
    window.shutdown()
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
