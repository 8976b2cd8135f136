"""Radius and per-component histograms: exact agreement with ``np.histogram``."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.errors import Cancelled, InvalidParameter
from explorer.core.progress import TaskState
from explorer.core.stats.histograms import (
    CHUNK_ELEMENTS,
    component_histograms,
    radius,
    radius_histogram,
    symmetric_range,
)


def loop_counts(z: np.ndarray, bins: int, range_: tuple) -> np.ndarray:
    return np.stack([np.histogram(z[:, j], bins=bins, range=range_)[0] for j in range(z.shape[1])])


def edge_heavy(dtype, bins: int, range_: tuple, n: int = 2000, d: int = 6, seed: int = 0):
    """Values on edges, one ulp beside edges, on both range ends, outside, NaN and inf."""
    rng = np.random.default_rng(seed)
    edges = np.histogram_bin_edges(np.empty(0, dtype), bins=bins, range=range_).astype(dtype)
    lo, hi = float(edges[0]), float(edges[-1])
    span = hi - lo
    z = rng.uniform(lo - 0.2 * span, hi + 0.2 * span, (n, d)).astype(dtype)
    on_edge = rng.random((n, d)) < 0.3
    z[on_edge] = rng.choice(edges, on_edge.sum())
    beside = rng.random((n, d)) < 0.2
    towards = rng.choice(np.array([-np.inf, np.inf], dtype=dtype), beside.sum())
    z[beside] = np.nextafter(rng.choice(edges, beside.sum()), towards)
    z[:5], z[5:10] = hi, lo
    z[10, :] = np.nextafter(np.array(hi, dtype), np.array(np.inf, dtype))
    z[11, :] = np.nextafter(np.array(lo, dtype), np.array(-np.inf, dtype))
    z[12, 0], z[13, 1], z[14, 2] = np.nan, np.inf, -np.inf
    z[15, 3], z[16, 4] = np.finfo(dtype).max, np.finfo(dtype).min
    return z


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("range_", [(-12, 12), (-12.0, 12.0), (-3.3, 7.7), (0.0, 35.0)])
def test_counts_equal_histogram_loop_on_random_data(dtype, range_) -> None:
    z = np.random.default_rng(1).normal(0.0, 3.0, (5000, 37)).astype(dtype)
    hist = component_histograms(z, bins=100, range=range_)
    assert hist.counts.dtype == np.int64 and hist.counts.shape == (37, 100)
    np.testing.assert_array_equal(hist.counts, loop_counts(z, 100, range_))
    np.testing.assert_array_equal(hist.edges, np.histogram(z[:, 0], 100, range_)[1])


def numpy_accepts(dtype, bins: int, range_: tuple) -> bool:
    try:
        np.histogram_bin_edges(np.empty(0, dtype), bins=bins, range=range_)
    except ValueError:  # e.g. too many bins for float16 resolution
        return False
    return True


EDGE_CASES = [
    (dtype, bins, range_)
    for dtype in (np.float32, np.float64, np.float16)
    for bins in (1, 7, 100, 1000)
    for range_ in [
        (-12, 12),
        (-12.3, 7.77),
        (np.float32(-1.1), np.float32(3.3)),
        (np.float64(0.1), 0.7),  # mixed: numpy compares the two ends at different precisions
        (5, 5),
    ]
    if numpy_accepts(dtype, bins, range_)
]


@pytest.mark.parametrize(("dtype", "bins", "range_"), EDGE_CASES)
def test_counts_equal_histogram_loop_on_edge_values(dtype, bins, range_) -> None:
    z = edge_heavy(dtype, bins, range_)
    with np.errstate(invalid="ignore", over="ignore"):
        expected = loop_counts(z, bins, range_)
        for workers in (1, 2):
            counts = component_histograms(z, bins=bins, range=range_, workers=workers).counts
            np.testing.assert_array_equal(counts, expected)


def test_counts_equal_loop_for_integers_and_many_components() -> None:
    rng = np.random.default_rng(2)
    ints = rng.integers(-20, 20, (3000, 5))
    np.testing.assert_array_equal(
        component_histograms(ints, bins=8, range=(-16, 16)).counts, loop_counts(ints, 8, (-16, 16))
    )
    wide = rng.normal(size=(50, 300))  # 300 x 5002 slots: split into component blocks
    np.testing.assert_array_equal(
        component_histograms(wide, bins=5000, range=(-3, 3)).counts,
        loop_counts(wide, 5000, (-3, 3)),
    )


def test_default_range_is_symmetric_and_covers_the_data() -> None:
    z = np.array([[-11.2, 0.5], [3.0, 10.9]], dtype=np.float32)
    assert symmetric_range(z) == (-12.0, 12.0)
    hist = component_histograms(z)
    assert hist.range == (-12.0, 12.0) and hist.counts.shape == (2, 100)
    assert hist.counts.sum() == z.size
    np.testing.assert_array_equal(hist.counts, loop_counts(z, 100, (-12.0, 12.0)))


def test_many_chunks_with_threads_match_and_report_progress() -> None:
    z = np.random.default_rng(3).normal(0, 3, (3 * CHUNK_ELEMENTS // 16 + 7, 16))
    seen: list[float] = []
    hist = component_histograms(z, range=(-12, 12), state=TaskState(lambda f, _m: seen.append(f)))
    np.testing.assert_array_equal(hist.counts, loop_counts(z, 100, (-12, 12)))
    assert seen and seen[-1] == pytest.approx(1.0) and seen == sorted(seen)
    for workers in (1, 3):
        counts = component_histograms(z, range=(-12, 12), workers=workers).counts
        np.testing.assert_array_equal(counts, hist.counts)


@pytest.mark.parametrize("workers", [1, 2])
def test_cancel_stops_component_histograms(workers: int) -> None:
    z = np.zeros((20 * CHUNK_ELEMENTS // 8, 8), dtype=np.float32)
    calls: list[float] = []

    def stop_after_first_chunk(fraction: float, _message: str) -> None:
        calls.append(fraction)
        state.request_stop()

    state = TaskState(stop_after_first_chunk)
    with pytest.raises(Cancelled):
        component_histograms(z, state=state, workers=workers)
    assert len(calls) == 1 and calls[0] < 0.5


def test_invalid_parameters() -> None:
    z = np.zeros((3, 2))
    for kwargs in ({"bins": 0}, {"range": (2, 1)}, {"range": (0, np.inf)}, {"bins": 2.5}):
        with pytest.raises(InvalidParameter):
            component_histograms(z, **kwargs)
    with pytest.raises(InvalidParameter):
        component_histograms(np.zeros(5))
    with pytest.raises(InvalidParameter):
        component_histograms(np.array([[np.nan, 1.0]]))


def test_radius_is_the_row_norm() -> None:
    z = np.random.default_rng(4).normal(size=(1000, 256)).astype(np.float32)
    r = radius(z)
    assert r.dtype == np.float64 and r.shape == (1000,)
    np.testing.assert_allclose(r, np.linalg.norm(z.astype(np.float64), axis=1), rtol=1e-12)
    np.testing.assert_allclose(radius([[3.0, 4.0], [0.0, 0.0]]), [5.0, 0.0])


def test_radius_histogram_automatic_range() -> None:
    r = np.array([0.0, 0.2, 0.5, 1.2, 3.1])
    hist = radius_histogram(r)
    np.testing.assert_allclose(hist.edges, np.arange(0.0, 3.51, 0.5))
    np.testing.assert_array_equal(hist.counts, [2, 1, 1, 0, 0, 0, 1])
    exact = radius_histogram(np.array([0.1, 2.0]), bin_width=0.5)
    assert exact.edges[-1] == 2.0 and exact.counts[-1] == 1  # the max on the last edge counts


def test_radius_histogram_given_range_and_points() -> None:
    z = np.random.default_rng(5).normal(size=(20000, 256))
    hist = radius_histogram(z, bin_width=0.5, range=(0, 35))
    assert len(hist.edges) == 71 and hist.edges[0] == 0 and hist.edges[-1] == 35
    np.testing.assert_array_equal(hist.counts, np.histogram(radius(z), 70, (0, 35))[0])
    assert hist.centers[hist.counts.argmax()] == pytest.approx(16.0, abs=0.5)
    assert radius_histogram(np.array([1.0]), 0.5, (0, 1.2)).edges[-1] == pytest.approx(1.5)
    with pytest.raises(InvalidParameter):
        radius_histogram(np.array([1.0]), bin_width=0)


def test_data_on_edges_only_matches_loop() -> None:
    # every value on an edge: all go through numpy's algorithm, in several flushes
    z = np.random.default_rng(6).integers(-12, 13, (40_000, 32)).astype(np.float32)
    counts = component_histograms(z, bins=24, range=(-12, 12), workers=1).counts
    np.testing.assert_array_equal(counts, loop_counts(z, 24, (-12, 12)))
