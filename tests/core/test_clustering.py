"""Tests of the k-means inertia sweep and k-range parsing."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.datasets import make_blobs

from explorer.core.errors import Cancelled, InvalidParameter
from explorer.core.progress import TaskState
from explorer.core.stats import clustering
from explorer.core.stats.clustering import KMeansSweep, kmeans_inertia, parse_k_range


@pytest.fixture(scope="module")
def blobs() -> np.ndarray:
    z, _ = make_blobs(n_samples=600, n_features=5, centers=4, cluster_std=1.0, random_state=0)
    return z


def test_inertia_decreases_with_k(blobs: np.ndarray) -> None:
    sweep = kmeans_inertia(blobs, ks=[1, 2, 3, 4, 6, 8], seed=0)
    assert sweep.k == [1, 2, 3, 4, 6, 8]
    assert len(sweep.inertia) == 6
    assert np.all(np.diff(sweep.inertia) < 0)
    # k = 1: the inertia is (close to, never below) the total sum of squares about the mean.
    total = float(((blobs - blobs.mean(axis=0)) ** 2).sum())
    assert total <= sweep.inertia[0] <= total * 1.001


def test_inertia_matches_sklearn(blobs: np.ndarray) -> None:
    sweep = kmeans_inertia(blobs, ks=[4], seed=0)
    reference = KMeans(n_clusters=4, n_init=10, random_state=0).fit(blobs).inertia_
    assert sweep.inertia[0] == pytest.approx(reference, rel=0.02)


def test_inertia_is_over_all_points(blobs: np.ndarray) -> None:
    sweep = kmeans_inertia(blobs, ks=[5], seed=3, batch_size=64)
    model = MiniBatchKMeans(
        n_clusters=5, batch_size=64, n_init=3, random_state=3, compute_labels=False
    ).fit(blobs)
    assert sweep.inertia[0] == pytest.approx(-model.score(blobs), rel=1e-9)


def test_sweep_is_reproducible_and_serialisable(blobs: np.ndarray) -> None:
    a = kmeans_inertia(blobs, ks=[2, 3], seed=1)
    b = kmeans_inertia(blobs, ks=[2, 3], seed=1)
    assert a.to_dict() == b.to_dict()
    assert set(a.to_dict()) == {"k", "inertia"}
    assert KMeansSweep().to_dict() == {"k": [], "inertia": []}


def test_progress_reported_per_k(blobs: np.ndarray) -> None:
    fractions: list[float] = []
    kmeans_inertia(blobs, ks=[2, 3, 4], state=TaskState(lambda f, m: fractions.append(f)))
    assert fractions == pytest.approx([1 / 3, 2 / 3, 1.0])


def test_cancel_between_ks(blobs: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> None:
    fitted: list[int] = []
    real_fit = clustering._fit_centres

    def counting_fit(z, k, **kwargs):
        fitted.append(k)
        return real_fit(z, k, **kwargs)

    monkeypatch.setattr(clustering, "_fit_centres", counting_fit)
    calls: list[float] = []

    def on_progress(fraction: float, message: str) -> None:
        calls.append(fraction)
        if len(calls) == 2:
            state.request_stop()

    state = TaskState(on_progress)
    ks = [2, 3, 4, 5, 6, 7]
    with pytest.raises(Cancelled):
        kmeans_inertia(blobs, ks=ks, state=state)
    assert fitted == [2, 3]
    assert len(fitted) < len(ks)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2:80:2", list(range(2, 81, 2))),
        ("2:5", [2, 3, 4, 5]),
        (" 7 ", [7]),
        ("2:6:2, 10, 4", [2, 4, 6, 10]),
        ("3:10:4", [3, 7]),
    ],
)
def test_parse_k_range(text: str, expected: list[int]) -> None:
    assert parse_k_range(text) == expected


@pytest.mark.parametrize("text", ["", " , ", "a:b", "2:", "5:2", "0:4", "-2", "2:10:0", "1:2:3:4"])
def test_parse_k_range_rejects_bad_text(text: str) -> None:
    with pytest.raises(InvalidParameter):
        parse_k_range(text)


def test_parse_k_range_checks_number_of_points() -> None:
    assert parse_k_range("2:10:2", n_points=10)[-1] == 10
    with pytest.raises(InvalidParameter, match="more than the number of points"):
        parse_k_range("2:20", n_points=10)


@pytest.mark.parametrize("ks", [[], [0, 2], [601]])
def test_kmeans_rejects_bad_ks(blobs: np.ndarray, ks: list[int]) -> None:
    with pytest.raises(InvalidParameter):
        kmeans_inertia(blobs, ks=ks)


def test_kmeans_rejects_bad_codes() -> None:
    with pytest.raises(InvalidParameter):
        kmeans_inertia(np.zeros(10), ks=[2])
    with pytest.raises(InvalidParameter):
        kmeans_inertia(np.full((10, 2), np.nan), ks=[2])
