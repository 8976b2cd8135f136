"""Component statistics: half-width (FWHM), dominant components, correlation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.core.errors import InvalidParameter
from explorer.core.stats.components import component_stats, correlation, half_widths
from explorer.core.stats.histograms import ComponentHistograms


def test_half_width_of_a_gaussian() -> None:
    z = np.random.default_rng(0).normal(0.0, 2.0, (200_000, 1))
    stats = component_stats(z)
    assert stats.half_width[0] == pytest.approx(2 * np.sqrt(2 * np.log(2)) * 2.0, rel=0.03)
    assert stats.half_width[0] == pytest.approx(4.71, rel=0.03)
    assert stats.std[0] == pytest.approx(2.0, rel=0.01)
    assert abs(stats.mean[0]) < 0.02


def test_half_width_interpolates_both_crossings() -> None:
    # centres 0.5, 1.5, ..., 5.5; peak 8 at 2.5, half 4.
    counts = np.array([[0, 2, 8, 6, 2, 0], [0, 0, 0, 0, 0, 0], [8, 8, 8, 8, 8, 8]])
    hist = ComponentHistograms(edges=np.arange(7.0), counts=counts)
    left = 1.5 + (4 - 2) / (8 - 2)  # last bin below half left of the peak is 1.5 (2 < 4)
    right = 4.5 - (4 - 2) / (6 - 2)  # first bin below half right of the peak is 4.5 (2 < 4)
    np.testing.assert_allclose(half_widths(hist), [right - left, 0.0, 6.0])


def test_dominant_components_on_constructed_data() -> None:
    rng = np.random.default_rng(1)
    z = rng.normal(0.0, 0.3, (50_000, 6))
    z[:, 1] += 1.0  # shifted centre
    z[:, 4] *= 10.0  # wide: half-width about 7
    z[:, 5] += 0.2  # shifted, but below the 0.25 threshold
    stats = component_stats(z, range=(-12, 12))
    assert stats.dominant == [1, 4]
    assert component_stats(z, range=(-12, 12), mean_threshold=0.15).dominant == [1, 4, 5]
    assert component_stats(z, range=(-12, 12), half_width_threshold=100).dominant == [1]
    assert stats.half_width[4] == pytest.approx(2.3548 * 3.0, rel=0.05)
    assert stats.histograms.counts.shape == (6, 100)


def test_to_dict_is_plain_json() -> None:
    z = np.random.default_rng(2).normal(size=(10_000, 3)).astype(np.float32)
    stats = component_stats(z)
    np.testing.assert_allclose(stats.mean, z.astype(np.float64).mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(stats.std, z.astype(np.float64).std(axis=0), rtol=1e-12)
    data = stats.to_dict()
    assert set(data) == {"mean", "std", "half_width", "dominant"}
    assert all(type(v) is float for key in ("mean", "std", "half_width") for v in data[key])
    assert all(type(i) is int for i in data["dominant"]) and len(data["mean"]) == 3
    assert json.loads(json.dumps(data)) == data


def test_correlation_of_constructed_correlated_components() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=100_000)
    z = np.column_stack([rng.normal(size=x.size), x, 0.8 * x + 0.6 * rng.normal(size=x.size)])
    points, r = correlation(z, 1, 2)
    assert r == pytest.approx(0.8, abs=0.01)
    assert points.shape == (1000, 2)
    rows = np.flatnonzero(np.isin(z[:, 1], points[:, 0]))
    np.testing.assert_array_equal(points, z[rows][:, [1, 2]])
    again, _ = correlation(z, 1, 2)
    np.testing.assert_array_equal(points, again)
    assert abs(correlation(z, 0, 1)[1]) < 0.02
    assert correlation(z, 1, 1)[1] == pytest.approx(1.0)
    small, _ = correlation(z[:10], 1, 2, n_points=1000)
    assert small.shape == (10, 2)


def test_correlation_rejects_bad_components() -> None:
    z = np.zeros((10, 3))
    with pytest.raises(InvalidParameter):
        correlation(z, 0, 3)
    with pytest.raises(InvalidParameter):
        correlation(z[:1], 0, 1)
    assert np.isnan(correlation(z, 0, 1)[1])
