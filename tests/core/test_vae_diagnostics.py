"""VAE diagnostics on constructed mu / logvar / z with known values."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from explorer.core.errors import InvalidParameter
from explorer.core.stats.vae_diagnostics import vae_diagnostics

KEYS = {
    "logvar_min",
    "logvar_max",
    "logvar_mean",
    "max_abs_z_minus_mu",
    "n_components_over_0.05",
    "radius_z_vs_mu",
    "radius_rel_diff_mean",
    "radius_rel_diff_max",
    "kl_per_dim",
    "active_dims",
}


def constructed():
    mu = np.array([[3.0, 4.0, 0.0], [0.0, 0.0, 5.0]])
    logvar = np.array([[-1.0, 0.0, 1.0], [-3.0, 0.0, 2.0]])
    z = np.array([[3.0, 4.0, 0.1], [0.0, 0.03, 5.0]])
    return mu, logvar, z


def test_known_values() -> None:
    result = vae_diagnostics(*constructed())
    assert set(result) == KEYS
    assert result["logvar_min"] == -3.0 and result["logvar_max"] == 2.0
    assert result["logvar_mean"] == pytest.approx(-1.0 / 6.0)
    assert result["max_abs_z_minus_mu"] == pytest.approx(0.1)
    assert result["n_components_over_0.05"] == 1  # 0.1 counts, 0.03 does not
    d0, d1 = math.sqrt(25.01) - 5.0, math.sqrt(25.0009) - 5.0
    radii = result["radius_z_vs_mu"]
    assert radii["max_abs_diff"] == pytest.approx(d0) and radii["min_abs_diff"] == pytest.approx(d1)
    assert radii["mean_abs_diff"] == pytest.approx((d0 + d1) / 2)
    assert radii["max_rel_diff"] == pytest.approx(d0 / 5) and radii[
        "mean_rel_diff"
    ] == pytest.approx((d0 + d1) / 10)
    assert radii["mu_radius_min"] == radii["mu_radius_max"] == radii["mu_radius_mean"] == 5.0
    assert radii["z_radius_max"] == pytest.approx(math.sqrt(25.01))
    assert radii["z_radius_min"] == pytest.approx(math.sqrt(25.0009))
    assert result["radius_rel_diff_mean"] == radii["mean_rel_diff"]
    assert result["radius_rel_diff_max"] == radii["max_rel_diff"]
    kl = [
        (0.5 * (9 + math.exp(-1)) + 0.5 * (math.exp(-3) + 2)) / 2,
        0.5 * 16 / 2,
        (0.5 * (math.e - 2) + 0.5 * (25 + math.exp(2) - 3)) / 2,
    ]
    assert result["kl_per_dim"] == pytest.approx(kl)
    assert result["active_dims"] == 3


def test_active_dims_threshold() -> None:
    n = 1000
    mu = np.zeros((n, 3))
    mu[:, 1], mu[:, 2] = 0.1, 1.0  # KL per dim: 0, 0.005, 0.5 nats
    logvar = np.zeros((n, 3))
    result = vae_diagnostics(mu, logvar, mu.copy())
    assert result["kl_per_dim"] == pytest.approx([0.0, 0.005, 0.5])
    assert result["active_dims"] == 1
    assert vae_diagnostics(mu, logvar, mu, kl_threshold=0.001)["active_dims"] == 2
    assert result["max_abs_z_minus_mu"] == 0.0 and result["n_components_over_0.05"] == 0


def test_tiny_kl_vae_looks_like_an_ae() -> None:
    rng = np.random.default_rng(0)
    mu = rng.normal(size=(20_000, 16)).astype(np.float32)
    logvar = np.full_like(mu, -13.0)
    z = mu + np.exp(logvar / 2) * np.clip(rng.normal(size=mu.shape), -5, 5).astype(np.float32)
    result = vae_diagnostics(mu, logvar, z)
    assert result["logvar_mean"] == pytest.approx(-13.0)
    assert result["max_abs_z_minus_mu"] < 5 * math.exp(-6.5) + 1e-6
    assert result["n_components_over_0.05"] == 0
    assert result["radius_rel_diff_mean"] < 1e-3
    radii = result["radius_z_vs_mu"]  # triangle inequality: |R(z) - R(mu)| <= |z - mu|
    assert radii["max_abs_diff"] <= math.sqrt(16) * result["max_abs_z_minus_mu"] + 1e-6
    assert result["active_dims"] == 16  # large KL: mu spreads and logvar = -13
    assert json.loads(json.dumps(result)) == result
    assert all(type(v) in (int, float) for v in result["radius_z_vs_mu"].values())
    assert all(
        type(result[k]) is float
        for k in KEYS - {"radius_z_vs_mu", "kl_per_dim"} - {"n_components_over_0.05", "active_dims"}
    )


def test_working_vae_moves_z_away_from_mu() -> None:
    rng = np.random.default_rng(1)
    mu = rng.normal(0, 0.5, size=(5000, 8))
    logvar = np.full_like(mu, math.log(0.5))
    z = mu + np.exp(logvar / 2) * rng.normal(size=mu.shape)
    result = vae_diagnostics(mu, logvar, z)
    assert result["n_components_over_0.05"] > 0.9 * mu.size
    assert result["radius_z_vs_mu"]["z_radius_mean"] > result["radius_z_vs_mu"]["mu_radius_mean"]


def test_shapes_must_match() -> None:
    mu, logvar, z = constructed()
    with pytest.raises(InvalidParameter):
        vae_diagnostics(mu, logvar[:, :2], z)
    with pytest.raises(InvalidParameter):
        vae_diagnostics(mu[:0], logvar[:0], z[:0])
