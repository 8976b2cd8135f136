"""Every benchmark's ``--quick`` mode runs and prints its side-by-side comparison, so the
benchmarks cannot rot. No timing assertions: the machine may be busy.

Each benchmark runs in this process through its own ``main(["--quick"])`` (no Python and
TensorFlow started per benchmark), and what it may change for the whole process (environment,
``sys.path``, the GIL switch interval, BLAS threads) is put back afterwards. The benchmarks
that measure a fresh interpreter start those interpreters themselves, from ``main``
(``bench_tf_import_stall``: TensorFlow's import; ``bench_gui_startup``: the window's start).
``bench_gui_latency`` runs here too: its start-up phase then measures a window whose
TensorFlow is imported already (run it by hand for the cold start).
"""

from __future__ import annotations

import re

import pytest

from tests.helpers import bench_state_kept, run_bench_here

N = r"\d+(\.\d+)?"
EXPECTED = {
    "bench_histograms.py": [
        r"np\.histogram loop",
        rf"time ratio \(loop / component_histograms\): {N}x",
    ],
    "bench_decode.py": [
        r"latent\.decode \(compiled\)",
        rf"time ratio \(predict / compiled\): 8x8 {N}x, 32x32 {N}x",
    ],
    "bench_encode.py": [
        r"bare model\.encoder loop",
        rf"throughput ratio \(ours / bare\): {N} wall, {N} CPU",
    ],
    "bench_tsne.py": [
        rf"time ratio \(scikit-learn / openTSNE\), same iterations: {N}x wall, {N}x CPU",
        rf"time ratio \(scikit-learn / openTSNE\), equal KL: {N}x wall|did not reach",
    ],
    "bench_training.py": [
        rf"throughput ratio \(worker / plain\): {N}",
        r"event loop worst stall while training: \d+ ms",
    ],
    "bench_map_view.py": [
        rf"pan +-> repainted +median +{N} ms",
        rf"lasso -> selection +{N} ms for \d+ rows",
    ],
    "bench_projection.py": [
        rf" +\d+ +1 +{N} +{N} +{N}x",
        rf"live t-SNE of \d+ points in a child process: first frame {N} s",
    ],
    "bench_train_throughput.py": [
        r"device: (CPU|GPU: .+) \(mixed precision here: mixed_(bfloat16|float16)\)",
        rf"celeba64 batch \d+ +\+steps per execution +{N} images/s +ratio to plain +{N}",
        rf"celeba64 batch \d+ +\+data on device +{N} images/s +ratio to plain +{N}",
    ],
    "bench_tf_import_stall.py": [rf"worst gap, preload / import only: {N}"],
    "bench_gui_startup.py": [rf"ratio window / tensorflow import: {N}"],
    "bench_gui_latency.py": [
        rf"worst stall: {N} ms during",
        rf"witness \((realtime|normal) priority\): the machine's longest pause ({N}|under 15) ms",
    ],
    "bench_gui_scale.py": [
        rf"slot change -> 256-row heatmap +median +{N} ms",
        rf"live t-SNE of \d+ points: first frame on screen {N} s after Run",
        rf"pan \d+ points +{N} +{N} +{N}x",
        r"map goals \(pan/zoom, lasso, stall per step\): (met|MISSED)",
        rf"worst stall: {N} ms during",
        rf"witness \((realtime|normal) priority\): the machine's longest pause ({N}|under 15) ms",
    ],
}
# Smaller than --quick alone where a benchmark's own flags allow it (the tests train on at
# most 256 images; the same phases run once, on fewer points).
ARGS = {
    "bench_training.py": ["--max-images", "256", "--repeats", "1"],
    "bench_gui_scale.py": ["--points", "1000", "--map-points", "1000", "--tsne-points", "100"],
    "bench_projection.py": ["--sizes", "300", "--frame-points", "300"],
}
# need a QApplication
QT = {"bench_training.py", "bench_map_view.py", "bench_gui_scale.py", "bench_gui_latency.py"}
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_quick_mode_prints_the_comparison(script: str, request) -> None:
    if script in QT:  # pytest-qt's QApplication, not one the benchmark would make
        request.getfixturevalue("qapp")
    with bench_state_kept():
        out = run_bench_here(script, "--quick", *ARGS.get(script, []))
    for pattern in EXPECTED[script]:
        assert re.search(pattern, out), f"{script}: no /{pattern}/ in\n{out}"
