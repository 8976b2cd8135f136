"""``sample``/``compare --sampler traverse`` and ``attribute`` on the shipped VAE: the layout
comes from the sampler's parameters, the z-points are the formula over the encodings' mu, and
the sidecar regenerates them exactly."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.core.latent.sampling import LatentData, sample
from explorer.core.util.paths import shipped_model
from tests.helpers import run_cli_here

VAE = shipped_model("mnist_vae")


@pytest.fixture(scope="module")
def encodings(shipped_models):
    from explorer.commands.common import encode

    return encode(shipped_models["mnist_vae"], "mnist-5k", quiet=True)[1]


def test_sample_traverse_is_the_formula_over_mu(tmp_path, encodings):
    out = tmp_path / "t.png"
    r = run_cli_here(
        "sample",
        VAE,
        *("--sampler", "traverse", "--dims", "0,2", "--steps", "5", "--span", "2"),
        *("--base", "index:7", "--grid", "3x3", "--dataset", "mnist-5k", "--out", out),
    )
    assert r.returncode == 0, r.stderr
    assert "lays out 2x5" in r.stderr and "--grid 3x3 is ignored" in r.stderr
    info = json.loads(out.with_suffix(".json").read_text())
    assert info["grid"]["rows"] == 2 and info["grid"]["cols"] == 5
    description = info["sampler_description"]
    assert description["data_from"] == "mu" and description["dims"] == [0, 2]
    z = np.load(out.with_suffix(".npy"))

    mu = np.asarray(encodings.mu, dtype=np.float64)
    base = mu[list(encodings.indices).index(7)]
    expected = np.repeat(base[None], 10, axis=0).reshape(2, 5, -1)
    for row, dim in enumerate([0, 2]):
        expected[row, :, dim] += np.linspace(-2, 2, 5) * mu[:, dim].std(ddof=1)
    np.testing.assert_allclose(z, expected.reshape(10, -1), rtol=1e-5, atol=1e-5)
    again = sample(**description, data=LatentData.of(encodings))
    np.testing.assert_array_equal(again.z, z)


def test_compare_traverse_shares_the_layout(tmp_path):
    r = run_cli_here(
        "compare",
        VAE,
        shipped_model("mnist_ae"),
        *("--sampler", "traverse", "--pca-axes", "0,1,2", "--steps", "4", "--out", tmp_path),
    )
    assert r.returncode == 0, r.stderr
    for slot in ("A", "B"):
        info = json.loads((tmp_path / f"{slot}.json").read_text())
        assert (info["grid"]["rows"], info["grid"]["cols"]) == (3, 4)
        assert info["sampler_description"]["pca_axes"] == [0, 1, 2]


def test_sample_attribute_is_the_formula_over_mu(tmp_path, encodings):
    out = tmp_path / "a.png"
    r = run_cli_here(
        "sample",
        VAE,
        *("--sampler", "attribute", "--attribute", "3", "--to", "8", "--bases", "10,20"),
        *("--steps", "3", "--alpha=0:1", "--dataset", "mnist-5k", "--out", out),
    )
    assert r.returncode == 0, r.stderr
    info = json.loads(out.with_suffix(".json").read_text())
    assert (info["grid"]["rows"], info["grid"]["cols"]) == (2, 3)
    assert info["sampler_description"]["data_from"] == "mu"
    mu, labels = np.asarray(encodings.mu, np.float64), np.asarray(encodings.labels)
    rows = [list(encodings.indices).index(i) for i in (10, 20)]
    vector = mu[labels == 8].mean(axis=0) - mu[labels == 3].mean(axis=0)
    expected = mu[rows][:, None, :] + np.array([0.0, 0.5, 1.0])[None, :, None] * vector
    z = np.load(out.with_suffix(".npy"))
    np.testing.assert_allclose(z, expected.reshape(6, -1), rtol=1e-5, atol=1e-5)
    again = sample(**info["sampler_description"], data=LatentData.of(encodings))
    np.testing.assert_array_equal(again.z, z)


def test_compare_pca_axis_gives_each_model_points_on_its_own_axis(tmp_path):
    """A data-derived sampler: B's points lie on B's first principal axis, not on A's."""
    from explorer.commands.common import encode
    from explorer.core.model.store import load_model

    r = run_cli_here(
        "compare", shipped_model("mnist_ae"), VAE,
        *("--sampler", "pca", "--axis", "0", "--grid", "2x4", "--out", tmp_path),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["same_z_points"] is False
    assert json.loads((tmp_path / "B.json").read_text())["z_points"] == "own"
    for slot, name in (("A", "mnist_ae"), ("B", "mnist_vae")):
        z = np.load(tmp_path / f"{slot}.npy").astype(np.float64)
        codes = np.asarray(encode(load_model(shipped_model(name)), "mnist-5k", quiet=True)[1].z)
        centred = codes - codes.mean(axis=0)
        axis = np.linalg.svd(centred, full_matrices=False)[2][0]  # the model's own first axis
        steps = z - codes.mean(axis=0)
        # every point is the model's mean plus a multiple of its own first axis
        residual = steps - np.outer(steps @ axis, axis)
        assert np.abs(residual).max() < 1e-3 * np.abs(steps).max(), slot
