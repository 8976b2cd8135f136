"""The traverse sampler: rows of latent components or principal axes, columns from -span to
+span standard deviations over the data's mu (for a VAE), other coordinates at the base."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.decomposition import PCA

from explorer.core.errors import InvalidParameter, NeedsDataError
from explorer.core.latent.sampling import LatentData, layout, sample

Z_DIM = 5


@pytest.fixture(scope="module")
def vae() -> LatentData:
    """A VAE's encodings: mu anisotropic with a non-zero mean, z = mu + noise (differs from
    mu), rows belonging to images 100, 101, ... (some images skipped)."""
    rng = np.random.default_rng(3)
    mu = rng.standard_normal((400, Z_DIM)) * [3.0, 0.5, 2.0, 1.0, 0.2] + [1, -2, 0.5, 3, 0]
    z = mu + rng.standard_normal(mu.shape) * 2.0
    return LatentData(z=z, mu=mu, indices=np.arange(400) * 2 + 100)


def _ticks(span: float, steps: int) -> np.ndarray:
    return np.linspace(-span, span, steps)


def test_components_from_the_mean_of_mu(vae):
    s = sample("traverse", 2 * 7, Z_DIM, data=vae, dims=[3, 1], steps=7, span=2.5)
    mean, std = vae.mu.mean(axis=0), vae.mu.std(axis=0, ddof=1)
    expected = np.empty((2, 7, Z_DIM))
    for row, dim in enumerate([3, 1]):
        for col, t in enumerate(_ticks(2.5, 7)):
            expected[row, col] = mean
            expected[row, col, dim] += t * std[dim]
    np.testing.assert_allclose(s.z, expected.reshape(-1, Z_DIM), rtol=1e-5, atol=1e-5)
    assert s.description["data_from"] == "mu" and s.description["cols"] == 7


def test_principal_axes_of_mu(vae):
    s = sample("traverse", 2 * 5, Z_DIM, data=vae, pca_axes=[0, 2], steps=5, span=2.0)
    pca = PCA().fit(vae.mu)
    z = s.z.reshape(2, 5, Z_DIM)
    for row, axis in enumerate([0, 2]):
        step = np.sqrt(pca.explained_variance_[axis]) * pca.components_[axis]
        sign = np.sign((z[row, -1] - z[row, 0]) @ step)  # PCA leaves an axis's sign free
        expected = vae.mu.mean(axis=0) + _ticks(2.0, 5)[:, None] * sign * step
        np.testing.assert_allclose(z[row], expected, rtol=1e-4, atol=1e-4)


def test_base_is_an_image_or_the_origin(vae):
    s = sample("traverse", 4, Z_DIM, data=vae, dims=[0], steps=4, base="index:110")
    base = vae.mu[5]  # image 110 is row 5
    std0 = vae.mu[:, 0].std(ddof=1)
    expected = np.repeat(base[None], 4, axis=0)
    expected[:, 0] += _ticks(3.0, 4) * std0
    np.testing.assert_allclose(s.z, expected, rtol=1e-5, atol=1e-5)
    origin = sample("traverse", 3, Z_DIM, data=vae, dims=[4], steps=3, base="origin").z
    np.testing.assert_allclose(origin[:, :4], 0)
    with pytest.raises(InvalidParameter, match="image #101 is not among the encoded"):
        sample("traverse", 3, Z_DIM, data=vae, dims=[4], steps=3, base="index:101")


def test_plain_z_and_an_autoencoder_use_z(vae):
    ae = LatentData(z=vae.z, indices=vae.indices)
    s = sample("traverse", 3, Z_DIM, data=ae, dims=[2], steps=3, span=1.0)
    expected = np.repeat(vae.z.mean(axis=0)[None], 3, axis=0)
    expected[:, 2] += _ticks(1.0, 3) * vae.z[:, 2].std(ddof=1)
    np.testing.assert_allclose(s.z, expected, rtol=1e-5, atol=1e-5)
    assert s.description["data_from"] == "z"
    asked = sample("traverse", 3, Z_DIM, data=vae, dims=[2], steps=3, span=1.0, data_from="z")
    np.testing.assert_array_equal(asked.z, s.z)


def test_without_data_units_from_the_origin():
    s = sample("traverse", 2 * 3, 4, dims=[0, 3], steps=3, span=2.0)
    expected = np.zeros((2, 3, 4))
    expected[0, :, 0] = expected[1, :, 3] = [-2.0, 0.0, 2.0]
    np.testing.assert_array_equal(s.z, expected.reshape(-1, 4))
    assert s.description["base"] == "origin" and s.description["data_from"] is None
    default = sample("traverse", 3 * 9, 3).description  # all components, at most 8
    assert default["dims"] == [0, 1, 2] and default["cols"] == 9


@pytest.mark.parametrize("params", [{"dims": [1, 2], "base": "index:104"}, {"pca_axes": [1]}])
def test_description_regenerates_exactly(vae, params):
    rows = len(params.get("dims", params.get("pca_axes")))
    s = sample("traverse", rows * 6, Z_DIM, seed=4, data=vae, steps=6, **params)
    args = json.loads(json.dumps(s.description))
    again = sample(**args, data=vae)
    np.testing.assert_array_equal(again.z, s.z)
    assert again.description == args


def test_layout_is_rows_by_steps(vae):
    assert layout("traverse", Z_DIM, dims=[0, 2, 4], steps=11) == (3, 11)
    assert layout("traverse", Z_DIM, vae, pca_axes=[1], steps=5) == (1, 5)
    assert layout("traverse", 3) == (3, 9)
    assert layout("normal", Z_DIM) is None


@pytest.mark.parametrize(
    ("n", "params", "error", "says"),
    [
        (6, {"dims": [0, 1], "pca_axes": [0], "steps": 3}, InvalidParameter, "not both"),
        (8, {"dims": [0, 1], "steps": 3}, InvalidParameter, "lays out 2 x 3 points: n must be 6"),
        (6, {"dims": [0, 1], "steps": 3, "cols": 2}, InvalidParameter, "cols 3"),
        (3, {"dims": [Z_DIM], "steps": 3}, InvalidParameter, "dims must be below 5"),
        (3, {"dims": [1, 1], "steps": 3}, InvalidParameter, "must not repeat"),
        (3, {"dims": [1], "steps": 3, "base": "median"}, InvalidParameter, "mean, origin"),
        (3, {"dims": [1], "steps": 3, "data_from": "x"}, InvalidParameter, "z or mu"),
    ],
)
def test_bad_parameters(vae, n, params, error, says):
    with pytest.raises(error, match=says):
        sample("traverse", n, Z_DIM, data=vae, **params)


@pytest.mark.parametrize(
    ("params", "says"), [({"pca_axes": [0]}, "principal axes"), ({"base": "index:3"}, "base")]
)
def test_what_needs_data(params, says):
    with pytest.raises(NeedsDataError, match=f"traverse.*{says}.*need encoded data"):
        sample("traverse", 9, Z_DIM, steps=9, **({"dims": None} | params))


def test_the_window_lays_out_rows_by_steps_from_mu(vae):
    from explorer.core.progress import TaskState
    from explorer.core.stats import slots

    enc = type("Enc", (), {"z": vae.z, "mu": vae.mu, "indices": vae.indices, "labels": None})
    data = slots.SlotData.of(Z_DIM, enc)
    params = {"dims": [0, 4], "pca_axes": None, "steps": 3, "span": 1.0, "base": "index:102"}
    req = slots.SamplerRequest("traverse", params, rows=8, cols=8, seed=0, same=True)
    spec, samples = slots.grid_samples(TaskState(), req, {"A": data})["A"]
    assert (spec.rows, spec.cols) == (2, 3)
    direct = sample("traverse", 6, Z_DIM, data=vae, **params)
    np.testing.assert_array_equal(samples.z, direct.z)
    assert samples.description["data_from"] == "mu"
    summary = slots.sampler_summary(TaskState(), req, {"A": data})["A"]
    assert summary["n"] == 6
