"""Benchmark: the window at the seeds' scale, 200k encoded z-points of 256 components per slot.

Set-up (not timed): 64 stand-in faces (``bench/make_faces.py``) and a ``celeba64`` VAE with
z_dim 256 trained for one epoch on them. Both slots load that bundle through the window's
model threads; the encodings they hand to the window are then swapped for 200k x 256
z-points drawn from a 10-cluster Gaussian mixture (``mu``, ``logvar`` and ``z`` of a VAE),
so everything after the encoder (analyses, sampling, plots, k-means, t-SNE) runs on data of
CelebA's size. Encoding 200k real images is measured in ``bench_streaming.py``.

Each phase runs with the 10 ms event-loop probe of ``bench_gui_latency.py`` and prints the
wall time and the worst gap between ticks (a gap well above 10 ms is a stall the user
feels), beside the longest pause of the same bench's witness process (the machine's own
pauses, see ``bench_gui_latency.py``). Phases:

1. summaries: radii, component histograms and statistics, VAE diagnostics of both slots
   (2 x 200k x 256) in a worker, then both histogram plots drawn;
2. resample (Normal) with the live sampler summary (hit rates against 200k points);
3. the component view: another slot -> its 256-row heatmap on screen (goal <= 250 ms), and
   another component -> its curve on screen, five times each;
4. the k-means inertia sweep k = 2..80 step 2 on 200k points of slot A;
5. t-SNE of ``--tsne-points`` points in the window (default 20k; the seeds' 140k takes about
   10 minutes here, see ``bench_scale_analysis.py --parts tsne``);
6. the t-SNE map of 140k points (a clustered 2-D embedding of that size, 10 classes): first
   draw, five pans and four zooms, each request -> image on screen (goal <= 250 ms).

Usage: ``python bench/bench_gui_scale.py [--quick] [--points N] [--tsne-points N]``.
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
sys.path.insert(0, str(ROOT / "bench"))
if not any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("LATENT_EXPLORER_SETTINGS_DIR", tempfile.mkdtemp())
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bench_gui_latency import Probe, Witness, run_phase  # noqa: E402

GOAL_MS = 250
STALL_GOAL_MS = 100


def train_bundle(work: Path) -> tuple[Path, Path]:
    """A celeba64 VAE with z_dim 256 (one epoch on 64 stand-in faces): (bundle, image folder)."""
    import make_faces

    from explorer.core.model.training import TrainConfig, train

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
    from explorer.core.latent.encoding import Encodings

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
    """The event-loop gaps since ``probe.phase()``, printed like ``run_phase`` rows."""
    gaps = np.asarray(probe.gaps or [0.0])
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
    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QApplication

    from explorer.gui.main_window import MainWindow

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
    window.docks["Projection"].raise_()
    app.processEvents()
    probe = Probe()
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
                on_done=lambda out, s=s, source=source, enc=enc: window._loaded(
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
    probe.phase()
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
    panel.points.setValue(n_tsne)
    panel.iterations.setValue(250 if args.quick else 500)
    rows.append(run_phase(window, probe, f"t-SNE of {n_tsne} points", panel.run, witness))

    embedding, _ = clustered_embedding(n_map, 0)  # coloured by the slot's labels of the rows
    enc = window.slots["A"].encodings
    rows_used = np.arange(n_map) % len(enc.z)
    plot = panel.plot
    probe.phase()
    first = wait_image(window, plot, lambda: panel._done("A", enc, (embedding, rows_used)))
    pans, zooms = [], []
    for dx, dy in ((-80, 30), (60, -40), (120, 10), (-40, -60), (-60, 60)):
        centre = QPointF(plot.width() / 2, plot.height() / 2)
        end = centre + QPointF(dx, dy)
        pans.append(wait_image(window, plot, lambda c=centre, e=end: panel.pan(c, e)))
    for factor in (0.8, 0.8, 1.25, 1.25):
        centre = QPointF(plot.width() / 2, plot.height() / 2)
        zooms.append(wait_image(window, plot, lambda c=centre, f=factor: panel.zoom(c, f)))
    window.wait_idle(60_000)
    print(f"map of {n_map} points: first draw {first:.0f} ms")
    map_max = max(
        report(f"pan the {n_map}-point map", pans, plot.size()),
        report(f"zoom the {n_map}-point map", zooms, plot.size()),
    )
    rows.append(gap_row("t-SNE map: first draw, 5 pans, 4 zooms", probe))

    worst = max(rows, key=lambda r: r[5])
    print(
        f"redraw worst: component view {heat_max:.0f} ms, map {map_max:.0f} ms (goal {GOAL_MS} ms)"
    )
    print(
        f"worst stall: {worst[5]:.1f} ms during '{worst[0]}' "
        f"(goal <= {STALL_GOAL_MS} ms: {'met' if worst[5] <= STALL_GOAL_MS else 'MISSED'})"
    )
    print(witness.summary())
    window.shutdown()
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
