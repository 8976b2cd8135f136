"""Tests for explorer.core.latent.sampling."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.decomposition import PCA

from explorer.core.errors import InvalidParameter, NeedsDataError
from explorer.core.latent.samplers import SAMPLERS
from explorer.core.latent.sampling import LatentData, Samples, sample

Z_DIM = 4
NEEDS_DATA = sorted(name for name, spec in SAMPLERS.items() if spec.needs_data)


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    """Correlated, anisotropic 4-d data with a non-zero mean."""
    rng = np.random.default_rng(7)
    mixing = np.array(
        [[3.0, 0.0, 0.0, 0.0], [1.0, 1.5, 0.0, 0.0], [0.5, 0.2, 0.7, 0], [0, 0, 0, 0.3]]
    )
    return rng.standard_normal((3000, Z_DIM)) @ mixing.T + np.array([1.0, -2.0, 0.5, 3.0])


# Arguments valid for every sampler with z_dim == Z_DIM (grid2d uses z_dim 2).
CASES = {
    "normal": {"mean": 0.5, "std": 2.0},
    "uniform": {"limit": 1.5},
    "pca": {"axis": 1, "span": 2.0},
    "pca_grid": {"axis": 0, "axis2": 2, "cols": 4},
    "fitted": {"covariance": "full"},
    "gmm": {"components": 3},
    "interpolate": {"start": [1.0, 0, 0, 0], "end": [0, 2.0, 0, 0], "method": "slerp"},
    "grid2d": {"x_range": [-1.0, 1.0], "cols": 4},
    "traverse": {"dims": [1, 3], "steps": 6, "base": "index:5"},
    "attribute": {"attribute": "1", "bases": [3, 4, 5], "steps": 4, "alpha": [0.0, 2.0]},
}


def _data(name: str, data: np.ndarray):
    """The attribute sampler's data carry labels: class 1 where the first component is > 1."""
    return LatentData(data, labels=(data[:, 0] > 1).astype(int)) if name == "attribute" else data


def _draw(name: str, data: np.ndarray, n: int = 12, seed: int = 0, **extra) -> Samples:
    z_dim = 2 if name == "grid2d" else Z_DIM
    return sample(name, n, z_dim, seed=seed, data=_data(name, data), **{**CASES[name], **extra})


def test_registry_and_params_agree() -> None:
    assert list(SAMPLERS) == list(CASES)  # the window's menu order
    assert NEEDS_DATA == ["attribute", "fitted", "gmm", "pca", "pca_grid"]
    grids = ["pca_grid", "grid2d", "traverse", "attribute"]
    assert [n for n, s in SAMPLERS.items() if s.grid] == grids


@pytest.mark.parametrize("name", sorted(CASES))
def test_shape_dtype_and_description(name: str, data: np.ndarray) -> None:
    s = _draw(name, data, n=12, seed=3)
    assert s.z.shape == (12, 2 if name == "grid2d" else Z_DIM)
    assert s.z.dtype == np.float32
    assert np.all(np.isfinite(s.z))
    d = s.description
    assert d["sampler"] == name and d["n"] == 12 and d["seed"] == 3
    assert set(d) == {"sampler", "n", "z_dim", "seed", *SAMPLERS[name].keywords}


@pytest.mark.parametrize("name", sorted(CASES))
def test_description_round_trip(name: str, data: np.ndarray) -> None:
    s = _draw(name, data, n=12, seed=11)
    args = json.loads(json.dumps(s.description))
    again = sample(**args, data=_data(name, data))
    np.testing.assert_array_equal(again.z, s.z)
    assert again.description == args


@pytest.mark.parametrize("name", ["normal", "uniform", "fitted", "gmm"])
def test_seed_reproducibility(name: str, data: np.ndarray) -> None:
    a, b = _draw(name, data, seed=5), _draw(name, data, seed=5)
    c = _draw(name, data, seed=6)
    np.testing.assert_array_equal(a.z, b.z)
    assert not np.allclose(a.z, c.z)


def test_defaults_are_used() -> None:
    s = sample("uniform", 5, 3)
    limit = SAMPLERS["uniform"].param("limit").default
    assert s.description["limit"] == limit == 2.0
    assert np.all(np.abs(s.z) <= limit)


def test_normal_statistics() -> None:
    z = sample("normal", 20_000, 3, seed=1, mean=1.5, std=0.5).z
    np.testing.assert_allclose(z.mean(axis=0), 1.5, atol=0.02)
    np.testing.assert_allclose(z.std(axis=0), 0.5, atol=0.02)


def test_uniform_statistics() -> None:
    b, dim, n = 2.0, 16, 20_000
    z = sample("uniform", n, dim, seed=2, limit=b).z
    assert z.min() >= -b and z.max() <= b
    assert z.min() < -0.99 * b and z.max() > 0.99 * b  # the whole range is used
    radius = np.linalg.norm(z, axis=1)
    # Monte Carlo reference with an independent generator, then the asymptotic formulas.
    ref = np.linalg.norm(np.random.default_rng(99).uniform(-b, b, (n, dim)), axis=1)
    assert radius.mean() == pytest.approx(ref.mean(), rel=0.01)
    assert radius.std() == pytest.approx(ref.std(), rel=0.05)
    assert ref.mean() == pytest.approx(b * np.sqrt(dim / 3), rel=0.02)
    assert ref.std() == pytest.approx(b / np.sqrt(15), rel=0.05)
    assert radius.mean() == pytest.approx(b * np.sqrt(dim / 3), rel=0.02)
    assert radius.std() == pytest.approx(b / np.sqrt(15), rel=0.05)


@pytest.mark.parametrize("axis", [0, 1, 3])
def test_pca_points_on_axis_line(axis: int, data: np.ndarray) -> None:
    span, n = 2.5, 11
    z = sample("pca", n, Z_DIM, data=data, axis=axis, span=span).z.astype(np.float64)
    pca = PCA().fit(data)
    mean, direction = data.mean(axis=0), pca.components_[axis]
    offsets = z - mean
    # Every offset is parallel to the principal axis ...
    residual = offsets - np.outer(offsets @ direction, direction)
    np.testing.assert_allclose(residual, 0, atol=1e-4)
    # ... evenly spaced from -span to +span standard deviations, centre at the mean.
    t = offsets @ direction / np.sqrt(pca.explained_variance_[axis])
    np.testing.assert_allclose(np.abs(t), np.abs(np.linspace(-span, span, n)), atol=1e-3)
    np.testing.assert_allclose(np.diff(t), np.diff(t)[0], atol=1e-3)
    np.testing.assert_allclose(z[n // 2], mean, atol=1e-4)


def test_pca_grid_layout(data: np.ndarray) -> None:
    z = sample("pca_grid", 12, Z_DIM, data=data, axis=0, axis2=1, span=2.0, cols=4).z
    pca = PCA().fit(data)
    offsets = z.astype(np.float64) - data.mean(axis=0)
    u = (offsets @ pca.components_[0]).reshape(3, 4) / np.sqrt(pca.explained_variance_[0])
    v = (offsets @ pca.components_[1]).reshape(3, 4) / np.sqrt(pca.explained_variance_[1])
    # axis varies along the columns only, axis2 along the rows only.
    np.testing.assert_allclose(u - u[0], 0, atol=1e-3)
    np.testing.assert_allclose(v - v[:, :1], 0, atol=1e-3)
    np.testing.assert_allclose(np.abs(u[0]), [2.0, 2 / 3, 2 / 3, 2.0], atol=1e-3)
    np.testing.assert_allclose(np.abs(v[:, 0]), [2.0, 0.0, 2.0], atol=1e-3)
    assert u[0, 0] * u[0, -1] < 0 and v[0, 0] * v[-1, 0] < 0


def test_pca_grid_auto_cols(data: np.ndarray) -> None:
    assert sample("pca_grid", 12, Z_DIM, data=data).description["cols"] == 4
    assert sample("pca_grid", 16, Z_DIM, data=data).description["cols"] == 4


def test_fitted_full_reproduces_covariance(data: np.ndarray) -> None:
    z = sample("fitted", 60_000, Z_DIM, seed=4, data=data, covariance="full").z
    cov = np.cov(data, rowvar=False)
    np.testing.assert_allclose(z.mean(axis=0), data.mean(axis=0), atol=0.05)
    np.testing.assert_allclose(np.cov(z, rowvar=False), cov, atol=0.03 * np.abs(cov).max())


def test_fitted_diag_drops_correlation(data: np.ndarray) -> None:
    z = sample("fitted", 60_000, Z_DIM, seed=4, data=data, covariance="diag").z
    cov, data_cov = np.cov(z, rowvar=False), np.cov(data, rowvar=False)
    np.testing.assert_allclose(np.diag(cov), np.diag(data_cov), rtol=0.05)
    assert abs(data_cov[0, 1]) > 1.0 and abs(cov[0, 1]) < 0.1


@pytest.mark.parametrize("covariance", ["diag", "full"])
def test_gmm_finds_clusters(covariance: str) -> None:
    rng = np.random.default_rng(0)
    centres = np.array([[-5.0, 0.0], [5.0, 0.0]])
    pts = np.concatenate(
        [rng.normal(c, 0.3, (300 if i else 100, 2)) for i, c in enumerate(centres)]
    )
    z = sample("gmm", 4000, 2, seed=1, data=pts, components=2, covariance=covariance).z
    right = z[:, 0] > 0
    assert right.mean() == pytest.approx(0.75, abs=0.03)
    np.testing.assert_allclose(z[right].mean(axis=0), centres[1], atol=0.05)
    np.testing.assert_allclose(z[~right].std(axis=0), 0.3, atol=0.05)


def test_interpolate_linear() -> None:
    a, b = np.array([0.0, 1.0, 2.0]), np.array([4.0, 1.0, 0.0])
    z = sample("interpolate", 5, 3, start=a, end=b).z
    np.testing.assert_allclose(z, [a + t * (b - a) for t in np.linspace(0, 1, 5)], atol=1e-6)


def test_interpolate_slerp() -> None:
    a, b = np.array([2.0, 0.0, 0.0]), np.array([0.0, 4.0, 0.0])
    z = sample("interpolate", 7, 3, start=a, end=b, method="slerp").z.astype(np.float64)
    np.testing.assert_array_equal(z[0], a)
    np.testing.assert_array_equal(z[-1], b)
    np.testing.assert_allclose(np.linalg.norm(z, axis=1), np.linspace(2, 4, 7), atol=1e-5)
    angles = np.arctan2(z[:, 1], z[:, 0])
    np.testing.assert_allclose(angles, np.linspace(0, np.pi / 2, 7), atol=1e-5)
    np.testing.assert_allclose(z[:, 2], 0, atol=1e-6)  # stays in the plane of start and end


def test_grid2d_order() -> None:
    z = sample("grid2d", 6, 2, x_range=(-1, 1), y_range=(-2, 2), cols=3).z
    expected = [[-1, 2], [0, 2], [1, 2], [-1, -2], [0, -2], [1, -2]]
    np.testing.assert_allclose(z, expected)


@pytest.mark.parametrize("name", NEEDS_DATA)
@pytest.mark.parametrize(
    ("missing", "says"), [(None, "pass a data set"), (np.empty((0, Z_DIM)), "gave none")]
)
def test_needs_data(name: str, missing, says: str) -> None:
    with pytest.raises(NeedsDataError, match=f"'{name}' sampler needs encoded data.*{says}"):
        sample(name, 5, Z_DIM, data=missing)


BAD = [
    ("nope", {}, "unknown sampler 'nope'; known: normal, uniform"),
    ("uniform", {"limit": 0}, "limit must be greater than 0"),
    ("uniform", {"limit": -1.0}, "limit must be greater than 0"),
    ("normal", {"std": 0}, "std must be greater than 0"),
    ("normal", {"std": "wide"}, "std must be a number"),
    ("normal", {"mean": float("nan")}, "mean must be finite"),
    ("normal", {"sigma": 1.0}, "unknown parameter"),
    ("pca", {"axis": Z_DIM}, "axis must be below 4"),
    ("pca", {"axis": -1}, "axis must be at least 0"),
    ("pca", {"span": 0}, "span must be greater than 0"),
    ("pca_grid", {"axis": 1, "axis2": 1}, "must differ"),
    ("pca_grid", {"axis2": 9}, "axis2 must be below"),
    ("pca_grid", {"cols": 5}, "multiple of cols"),
    ("fitted", {"covariance": "tied"}, "covariance must be one of diag, full"),
    ("gmm", {"components": 0}, "components must be between 1 and"),
    ("gmm", {"components": 10_000}, "components must be between 1 and"),
    ("interpolate", {"end": [0, 0, 0, 1]}, "start is required"),
    ("interpolate", {"start": [1, 2], "end": [0, 0, 0, 1]}, "start must have 4 values"),
    ("interpolate", {"start": [1, 0, 0, 0], "end": [0, 1]}, "end must have 4 values"),
    ("interpolate", {"start": [1, 0, 0, 0], "end": [0, 1, 0, 0], "method": "x"}, "method"),
    ("interpolate", {"start": [1, 0, 0, 0], "end": [-2, 0, 0, 0], "method": "slerp"}, "opposite"),
    ("grid2d", {}, "needs z_dim 2"),
]


@pytest.mark.parametrize(("name", "params", "message"), BAD)
def test_bad_parameters(name: str, params: dict, message: str, data: np.ndarray) -> None:
    with pytest.raises(InvalidParameter, match=message):
        sample(name, 12, Z_DIM, data=data, **params)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"n": 0}, "n must be at least 1"),
        ({"n": 2.5}, "n must be a whole number"),
        ({"z_dim": 0}, "z_dim must be at least 1"),
        ({"seed": -1}, "seed must be at least 0"),
    ],
)
def test_bad_common_arguments(args: dict, message: str) -> None:
    with pytest.raises(InvalidParameter, match=message):
        sample(**{"sampler": "normal", "n": 4, "z_dim": 2, **args})


def test_bad_grid_and_data_arguments(data: np.ndarray) -> None:
    with pytest.raises(InvalidParameter, match="low < high"):
        sample("grid2d", 4, 2, x_range=(1, -1))
    with pytest.raises(InvalidParameter, match="pair"):
        sample("grid2d", 4, 2, y_range=3)
    with pytest.raises(InvalidParameter, match="interpolation needs n >= 2"):
        sample("interpolate", 1, 2, start=[0, 0], end=[1, 1])
    with pytest.raises(InvalidParameter, match=r"shape \(points, 3\)"):
        sample("pca", 4, 3, data=data)
    with pytest.raises(InvalidParameter, match="NaN"):
        sample("fitted", 4, 2, data=np.array([[0.0, 1.0], [np.nan, 2.0]]))
