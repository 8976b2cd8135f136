"""Every benchmark's ``--quick`` mode runs and prints its side-by-side comparison, so the
benchmarks cannot rot. No timing assertions: the machine may be busy."""

from __future__ import annotations

import re

import pytest

from tests.helpers import run_quick_bench

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


@pytest.fixture(scope="module")
def outputs() -> dict:
    """Every quick benchmark's output (or the exception its run raised), two at a time: most
    of a quick run is one core's work (starting Python and TensorFlow, building a window), so
    two side by side take about 60% of the time of one after the other on two cores."""
    from concurrent.futures import ThreadPoolExecutor

    def run(script: str):
        try:
            return run_quick_bench(script)
        except Exception as exc:  # noqa: BLE001 - raised again by the script's own test
            return exc

    longest_first = sorted(EXPECTED, key=lambda s: s not in SLOW)
    with ThreadPoolExecutor(2) as pool:
        return dict(zip(longest_first, pool.map(run, longest_first), strict=True))


SLOW = ("bench_train_throughput.py", "bench_gui_scale.py", "bench_training.py")


@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_quick_mode_prints_the_comparison(script: str, outputs: dict) -> None:
    out = outputs[script]
    if isinstance(out, Exception):
        raise out
    for pattern in EXPECTED[script]:
        assert re.search(pattern, out), f"{script}: no /{pattern}/ in\n{out}"
