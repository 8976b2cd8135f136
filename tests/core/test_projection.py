"""Tests of PCA spectra, subsampling and openTSNE embeddings."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier

from explorer.core.errors import Cancelled, InvalidParameter
from explorer.core.progress import TaskState
from explorer.core.stats.points import subsample
from explorer.core.stats.projection import (
    TSNEResult,
    pca_explained_variance,
    tsne,
)

FAST = {"early_exaggeration_iter": 100, "n_iter": 150, "n_jobs": 1}


@pytest.fixture(scope="module")
def blobs() -> tuple[np.ndarray, np.ndarray]:
    return make_blobs(n_samples=500, n_features=10, centers=3, cluster_std=1.0, random_state=0)


@pytest.fixture(scope="module")
def blob_tsne(blobs: tuple[np.ndarray, np.ndarray]) -> TSNEResult:
    return tsne(blobs[0], seed=0, **FAST)


# --- PCA -------------------------------------------------------------------------------------


def test_pca_ratios_of_anisotropic_data() -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(size=(5000, 3)) * np.array([10.0, 3.0, 1.0])
    rotation, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    ratios = pca_explained_variance(z @ rotation)
    assert ratios.shape == (3,)
    assert ratios.sum() <= 1.0 + 1e-9
    np.testing.assert_allclose(ratios, np.array([100.0, 9.0, 1.0]) / 110.0, atol=0.01)


def test_pca_fewer_components() -> None:
    z = np.random.default_rng(1).normal(size=(200, 6))
    ratios = pca_explained_variance(z, n_components=2)
    assert ratios.shape == (2,)
    assert ratios.sum() < 1.0
    assert ratios[0] >= ratios[1]


@pytest.mark.parametrize("n_components", [0, 7])
def test_pca_rejects_bad_components(n_components: int) -> None:
    with pytest.raises(InvalidParameter):
        pca_explained_variance(np.ones((10, 6)) + np.eye(10, 6), n_components=n_components)


# --- subsample -------------------------------------------------------------------------------


def test_subsample_is_deterministic_sorted_and_distinct() -> None:
    a = subsample(1000, 100, seed=5)
    assert np.array_equal(a, subsample(1000, 100, seed=5))
    assert not np.array_equal(a, subsample(1000, 100, seed=6))
    assert len(np.unique(a)) == 100
    assert np.all(np.diff(a) > 0)
    assert a.min() >= 0 and a.max() < 1000


def test_subsample_all_points() -> None:
    assert np.array_equal(subsample(10, 50, seed=0), np.arange(10))
    assert np.array_equal(subsample(10, None, seed=0), np.arange(10))
    with pytest.raises(InvalidParameter):
        subsample(10, 0, seed=0)


# --- t-SNE -----------------------------------------------------------------------------------


def test_tsne_separates_blobs(blobs, blob_tsne: TSNEResult) -> None:
    _, labels = blobs
    assert blob_tsne.embedding.shape == (500, 2)
    assert blob_tsne.embedding.dtype == np.float32
    assert np.isfinite(blob_tsne.kl_divergence) and blob_tsne.kl_divergence > 0
    accuracy = cross_val_score(KNeighborsClassifier(5), blob_tsne.embedding, labels, cv=5).mean()
    assert accuracy > 0.9
    params = blob_tsne.params
    assert params["n_points"] == 500 and params["perplexity"] == 30.0
    assert params["pca_dims"] is None  # 10 dims <= 50: no PCA


def test_tsne_is_reproducible(blobs, blob_tsne: TSNEResult) -> None:
    again = tsne(blobs[0], seed=0, **FAST)
    np.testing.assert_allclose(again.embedding, blob_tsne.embedding, rtol=1e-5, atol=1e-5)
    assert again.kl_divergence == pytest.approx(blob_tsne.kl_divergence, rel=1e-6)


def test_tsne_pca_preprocessing_only_above_pca_dims() -> None:
    z = np.random.default_rng(0).normal(size=(60, 8))
    short = {"early_exaggeration_iter": 0, "n_iter": 2, "perplexity": 5.0, "n_jobs": 1}
    assert tsne(z, pca_dims=4, **short).params["pca_dims"] == 4
    assert tsne(z, pca_dims=8, **short).params["pca_dims"] is None
    assert tsne(z, pca_dims=0, **short).params["pca_dims"] is None


def test_tsne_progress_covers_both_phases(blobs) -> None:
    reports: list[tuple[float, str]] = []
    tsne(
        blobs[0][:100],
        perplexity=10.0,
        early_exaggeration_iter=20,
        n_iter=20,
        n_jobs=1,
        state=TaskState(lambda f, m: reports.append((f, m))),
    )
    fractions = [f for f, _ in reports]
    assert "affinities" in reports[0][1]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    # counted as the options say: 20 early-exaggeration iterations, then "iterations" 20
    assert any("early exaggeration 20/20" in m for _, m in reports)
    assert any("iteration 20/20" in m and "exaggeration" not in m for _, m in reports)
    assert not any("/40" in m for _, m in reports)


def test_tsne_cancel_is_quick(blobs) -> None:
    iterations: list[str] = []

    def on_progress(fraction: float, message: str) -> None:
        if "iteration" in message:
            iterations.append(message)
            state.request_stop()

    state = TaskState(on_progress)
    with pytest.raises(Cancelled):
        # Without a prompt stop this would run 3000 iterations and report many of them.
        tsne(blobs[0], n_iter=3000, n_jobs=1, state=state)
    assert len(iterations) == 1


def test_tsne_cancel_before_start(blobs) -> None:
    state = TaskState()
    state.request_stop()
    with pytest.raises(Cancelled):
        tsne(blobs[0], state=state)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"perplexity": 0.0},
        {"perplexity": -5.0},
        {"perplexity": 500 / 3},
        {"perplexity": 1000.0},
        {"n_iter": 0},
        {"early_exaggeration": 0.0},
        {"early_exaggeration_iter": -1},
        {"pca_dims": -1},
    ],
)
def test_tsne_rejects_bad_params(blobs, kwargs: dict) -> None:
    with pytest.raises(InvalidParameter):
        tsne(blobs[0], **kwargs)


def test_tsne_perplexity_message_is_clear(blobs) -> None:
    with pytest.raises(InvalidParameter, match="third of the number of points"):
        tsne(blobs[0], perplexity=200.0)


@pytest.mark.parametrize(
    "z", [np.zeros((4, 3)), np.zeros(20), np.full((20, 2), np.nan)], ids=["4pts", "1d", "nan"]
)
def test_tsne_rejects_bad_data(z: np.ndarray) -> None:
    with pytest.raises(InvalidParameter):
        tsne(z, perplexity=1.0)
