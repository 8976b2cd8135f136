"""Hit rates of sampled z-points and expected radii checked against Monte Carlo."""

from __future__ import annotations

import math

import numpy as np
import pytest

from explorer.core.errors import InvalidParameter, NeedsDataError
from explorer.core.stats.components import ComponentStats
from explorer.core.stats.histograms import ComponentHistograms
from explorer.core.stats.hits import expected_radius, hit_rate


def unit_stats(z_dim: int) -> ComponentStats:
    """Stats with centre 0 and half-width 1 in every component."""
    empty = ComponentHistograms(edges=np.linspace(-1, 1, 3), counts=np.zeros((z_dim, 2), int))
    zeros, ones = np.zeros(z_dim), np.ones(z_dim)
    return ComponentStats(mean=zeros, std=ones, half_width=ones, dominant=[], histograms=empty)


def shell(radii: np.ndarray, z_dim: int, seed: int = 0) -> np.ndarray:
    """Points in random directions with the given radii."""
    v = np.random.default_rng(seed).normal(size=(len(radii), z_dim))
    return v / np.linalg.norm(v, axis=1, keepdims=True) * radii[:, None]


def test_component_hits_on_constructed_samples() -> None:
    data = shell(np.arange(1.0, 101.0), 2)
    samples = np.array([[0.0, 0.0], [2.9, -3.0], [3.1, 0.0], [0.0, -3.5], [-1.0, 1.0]])
    result = hit_rate(samples, data, k=3.0, stats=unit_stats(2))
    assert result["component_hits"] == 3 and result["component_hit_rate"] == pytest.approx(0.6)
    assert hit_rate(samples, data, k=4.0, stats=unit_stats(2))["component_hits"] == 5
    assert result["n_samples"] == 5 and result["k"] == 3.0


def test_radius_hits_use_the_central_98_percent_of_data_radii() -> None:
    data = shell(np.arange(1.0, 101.0), 3)  # percentiles 1 and 99: 1.99 and 99.01
    samples = shell(np.array([1.5, 2.0, 2.5, 50.0, 99.0, 99.5, 120.0, 0.0]), 3, seed=1)
    result = hit_rate(samples, data, stats=unit_stats(3))
    assert result["radius_range"] == pytest.approx([1.99, 99.01])
    assert result["radius_hits"] == 4 and result["radius_hit_rate"] == pytest.approx(0.5)


def test_uniform_samples_miss_gaussian_data_like_the_seed() -> None:
    rng = np.random.default_rng(2)
    data = rng.normal(size=(20_000, 64))
    uniform = rng.uniform(-12, 12, size=(2000, 64))
    result = hit_rate(uniform, data)  # stats computed from the data
    assert result["component_hits"] == 0 and result["radius_hits"] == 0
    normal = hit_rate(rng.normal(size=(2000, 64)), data)
    assert normal["component_hit_rate"] > 0.99 and normal["radius_hit_rate"] > 0.9


def test_hit_rate_needs_matching_data() -> None:
    with pytest.raises(NeedsDataError):
        hit_rate(np.zeros((2, 3)), None)
    with pytest.raises(InvalidParameter):
        hit_rate(np.zeros((2, 3)), np.zeros((5, 4)))


def monte_carlo(sampler: str, z_dim: int, scale: float, n: int) -> np.ndarray:
    rng = np.random.default_rng(z_dim)
    if sampler == "uniform":
        return np.linalg.norm(rng.uniform(-scale, scale, (n, z_dim)), axis=1)
    return np.linalg.norm(rng.normal(0.0, scale, (n, z_dim)), axis=1)


@pytest.mark.parametrize("z_dim", [1, 2, 16, 256])
@pytest.mark.parametrize("b", [1.0, 12.0])
def test_expected_uniform_radius_matches_monte_carlo(z_dim: int, b: float) -> None:
    r = monte_carlo("uniform", z_dim, b, 200_000 if z_dim <= 16 else 20_000)
    expected = expected_radius("uniform", z_dim, b=b)
    assert expected["mean"] == pytest.approx(r.mean(), rel=0.005)
    assert expected["std"] == pytest.approx(r.std(), rel=0.03)
    assert expected["mean"] == pytest.approx(b * math.sqrt(z_dim / 3), rel=0.15)


def test_uniform_radius_spread_does_not_grow_with_dimension() -> None:
    b = 12.0
    stds = [expected_radius("uniform", n, limit=b)["std"] for n in (16, 256, 4096)]
    assert stds == pytest.approx([b / math.sqrt(15)] * 3, rel=0.02)
    mc_std = monte_carlo("uniform", 256, b, 20_000).std()
    assert mc_std == pytest.approx(b / math.sqrt(15), rel=0.03)
    assert b * math.sqrt(256 / 15) > 10 * mc_std  # the seed's formula is far off
    assert expected_radius("uniform", 1, b=2.0) == pytest.approx({"mean": 1.0, "std": 2 / 12**0.5})


@pytest.mark.parametrize("z_dim", [1, 2, 16, 256])
@pytest.mark.parametrize("s", [1.0, 0.5])
def test_expected_normal_radius_matches_monte_carlo(z_dim: int, s: float) -> None:
    r = monte_carlo("normal", z_dim, s, 200_000 if z_dim <= 16 else 20_000)
    expected = expected_radius("normal", z_dim, std=s)
    assert expected["mean"] == pytest.approx(r.mean(), rel=0.005)
    assert expected["std"] == pytest.approx(r.std(), rel=0.03)


def test_expected_normal_radius_exact_values() -> None:
    assert expected_radius("normal", 1, std=2.0)["mean"] == pytest.approx(
        2 * math.sqrt(2 / math.pi)
    )
    assert expected_radius("normal", 2)["mean"] == pytest.approx(math.sqrt(math.pi / 2))
    assert expected_radius("normal", 2)["std"] == pytest.approx(math.sqrt(2 - math.pi / 2))
    assert expected_radius("normal", 10_000, sigma=1.0)["std"] == pytest.approx(0.5**0.5, rel=1e-3)


def test_expected_radius_without_closed_form() -> None:
    assert expected_radius("pca", 16, axis=0) is None
    assert expected_radius("normal", 16, mean=1.0) is None
    with pytest.raises(InvalidParameter):
        expected_radius("uniform", 16)
    with pytest.raises(InvalidParameter):
        expected_radius("normal", 0)


def test_the_expected_radius_is_a_fact_of_the_samplers_declaration(monkeypatch):
    """``expected_radius`` asks the sampler's declaration (``SamplerSpec.radius``): a new
    sampler declared with a closed form gets it everywhere, one without has none."""
    from dataclasses import replace

    from explorer.core.latent import samplers

    assert samplers.SAMPLERS["uniform"].radius is not None
    assert expected_radius("pca", 16) is None  # derived from data: no closed form
    twice = replace(
        samplers.SAMPLERS["pca"], name="pca2", radius=lambda n, **p: {"mean": 2.0 * n, "std": 0.0}
    )
    monkeypatch.setitem(samplers.SAMPLERS, "pca2", twice)
    assert expected_radius("pca2", 3) == {"mean": 6.0, "std": 0.0}
    with pytest.raises(InvalidParameter, match="z_dim"):
        expected_radius("uniform", 0, limit=1.0)
