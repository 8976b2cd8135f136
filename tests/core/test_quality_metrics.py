"""Sample-quality metrics on constructed data with known values, a literal copy of the
reference precision/recall/density/coverage code, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
import sklearn.metrics

from explorer.core.errors import InvalidParameter
from explorer.core.stats import quality_metrics as quality_metrics_module
from explorer.core.stats.quality_metrics import (
    CLASSIFIER_METRICS,
    K_DC,
    K_PR,
    METRICS,
    classifier_scores,
    feature_scores,
    frechet_distance,
    prdc,
    quality_metrics,
)


def gaussian(n: int, d: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d))


# --- the reference (github.com/clovaai/generative-evaluation-prdc, prdc/prdc.py), copied
# literally but for its print and n_jobs, to pin the definitions -------------------------


def ref_pairwise_distance(data_x, data_y=None):
    if data_y is None:
        data_y = data_x
    return sklearn.metrics.pairwise_distances(data_x, data_y, metric="euclidean")


def ref_get_kth_value(unsorted, k, axis=-1):
    indices = np.argpartition(unsorted, k, axis=axis)[..., :k]
    k_smallests = np.take_along_axis(unsorted, indices, axis=axis)
    return k_smallests.max(axis=axis)


def ref_nearest_neighbour_distances(input_features, nearest_k):
    distances = ref_pairwise_distance(input_features)
    return ref_get_kth_value(distances, k=nearest_k + 1, axis=-1)


def ref_compute_prdc(real_features, fake_features, nearest_k):
    real_nn = ref_nearest_neighbour_distances(real_features, nearest_k)
    fake_nn = ref_nearest_neighbour_distances(fake_features, nearest_k)
    distance_real_fake = ref_pairwise_distance(real_features, fake_features)
    precision = (distance_real_fake < np.expand_dims(real_nn, axis=1)).any(axis=0).mean()
    recall = (distance_real_fake < np.expand_dims(fake_nn, axis=0)).any(axis=1).mean()
    density = (1.0 / float(nearest_k)) * (distance_real_fake < np.expand_dims(real_nn, axis=1)).sum(
        axis=0
    ).mean()
    coverage = (distance_real_fake.min(axis=1) < real_nn).mean()
    return dict(precision=precision, recall=recall, density=density, coverage=coverage)


@pytest.mark.parametrize("shift", [0.0, 0.4, 1.5])
def test_prdc_matches_the_reference(shift: float) -> None:
    real = gaussian(300, 16, 1)
    fake = gaussian(250, 16, 2) * 1.2 + shift
    ours = prdc(real, fake, k_pr=3, k_dc=5)
    pr, dc = ref_compute_prdc(real, fake, 3), ref_compute_prdc(real, fake, 5)
    assert ours["precision"] == pytest.approx(pr["precision"], abs=1e-12)
    assert ours["recall"] == pytest.approx(pr["recall"], abs=1e-12)
    assert ours["density"] == pytest.approx(dc["density"], abs=1e-12)
    assert ours["coverage"] == pytest.approx(dc["coverage"], abs=1e-12)
    assert 0.0 < ours["precision"] < 1.0  # not a degenerate comparison
    # far from the origin (|x|^2 - 2 x.y + |y|^2 would cancel badly without centring)
    assert prdc(real + 1e7, fake + 1e7, k_pr=3, k_dc=5) == ours


def test_prdc_in_small_row_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    real, fake = gaussian(300, 16, 1), gaussian(250, 16, 2) * 1.2 + 0.4
    whole = prdc(real, fake)
    monkeypatch.setattr(quality_metrics_module, "_BLOCK", 1000)  # 3 or 4 rows a block
    assert prdc(real, fake) == whole
    assert whole["density"] == pytest.approx(ref_compute_prdc(real, fake, K_DC)["density"])


def test_prdc_by_hand_with_points_on_the_ball_edges() -> None:
    # 1-D, k = 1: real radii 0->1, 1->1, 3->2, 7->4; fake 5 is on the edge of real 3's
    # ball and fake 11 on the edge of real 7's: strict "<" leaves both out.
    real = np.array([[0.0], [1.0], [3.0], [7.0]])
    fake = np.array([[0.5], [5.0], [11.0]])
    result = prdc(real, fake, k_pr=1, k_dc=1)
    assert result["precision"] == pytest.approx(2 / 3)  # 0.5 and 5 (in 7's ball)
    assert result["density"] == pytest.approx((2 + 1 + 0) / 3)  # 0.5 in two balls, 5 in one
    assert result["coverage"] == pytest.approx(3 / 4)  # 3's ball (1, 5) holds no fake
    assert result["recall"] == 1.0  # fake radii 4.5, 4.5, 6
    # swapped roles: recall = share of [0.5, 5, 11] strictly inside balls of [0, 1, 3, 7]
    assert prdc(fake, real, k_pr=1, k_dc=1)["recall"] == pytest.approx(2 / 3)


def test_identical_sets() -> None:
    x = gaussian(400, 8, 3)
    result = feature_scores(x, x.copy())
    # Every fake is its real twin (distance 0 < radius): precision = recall = coverage = 1.
    # Each real ball of radius "distance to the k-th nearest other point" strictly holds
    # itself and its k - 1 nearest others, i.e. exactly k fakes: density = k N / (k N) = 1
    # (with "<=" it would be (k + 1) / k).
    assert result["precision"] == result["recall"] == result["coverage"] == 1.0
    assert result["density"] == 1.0
    assert result["fd"] < 1e-6 * np.trace(np.cov(x, rowvar=False))


def test_disjoint_clusters_far_apart() -> None:
    real = gaussian(500, 6, 4)
    offset = np.array([100.0, -50.0, 0.0, 20.0, 0.0, 5.0])
    result = feature_scores(real, real + offset)
    assert result["precision"] == result["recall"] == 0.0
    assert result["density"] == result["coverage"] == 0.0
    # same covariance, so the trace term vanishes and FD is the squared distance of the means
    assert result["fd"] == pytest.approx(float(offset @ offset), rel=1e-9)


def test_half_the_fakes_inside_the_real_cluster() -> None:
    real = gaussian(600, 8, 5)
    near = real[:300] + 1e-6 * gaussian(300, 8, 6)  # each at ~0 from a real point
    far = gaussian(300, 8, 7) + 50.0
    result = prdc(real, np.vstack([near, far]))
    assert result["precision"] == 0.5
    assert result["recall"] >= 0.5 and result["coverage"] >= 0.5
    # fakes drawn from the real distribution: some fall outside every real ball
    fresh = prdc(real, np.vstack([gaussian(300, 8, 8), far]))
    assert 0.3 < fresh["precision"] < 0.5


def test_fd_against_the_closed_form_of_two_gaussians() -> None:
    rng = np.random.default_rng(9)
    n, std1, std2 = 40_000, np.array([1.0, 1.0, 1.0, 1.0]), np.array([2.0, 0.5, 1.0, 3.0])
    mu2 = np.array([1.0, -1.0, 0.5, 0.0])
    real = rng.normal(size=(n, 4)) * std1
    fake = rng.normal(size=(n, 4)) * std2 + mu2
    # diagonal covariances: ||mu1 - mu2||^2 + sum (std1 - std2)^2
    expected = float(mu2 @ mu2 + ((std1 - std2) ** 2).sum())  # 2.25 + 5.25 = 7.5
    assert frechet_distance(real, fake) == pytest.approx(expected, rel=0.03)


def test_fd_against_the_sqrtm_formula() -> None:
    rng = np.random.default_rng(10)
    real = gaussian(400, 12, 11) @ rng.normal(size=(12, 12))
    fake = gaussian(300, 12, 12) @ rng.normal(size=(12, 12)) + 0.3
    s1, s2 = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
    diff = real.mean(axis=0) - fake.mean(axis=0)
    root = scipy.linalg.sqrtm(s1 @ s2).real
    expected = diff @ diff + np.trace(s1 + s2 - 2.0 * root)
    assert frechet_distance(real, fake) == pytest.approx(expected, rel=1e-6)
    # fewer points than dimensions: singular covariances, still finite and >= 0
    assert frechet_distance(real[:5], fake[:7]) >= 0.0


def test_classifier_scores_single_label() -> None:
    p = np.array([[0.95, 0.05], [0.9, 0.1], [0.6, 0.4], [0.2, 0.8]])
    result = classifier_scores(p)
    assert result["confident"] == 0.5  # 0.95 and 0.9 (at the threshold counts)
    assert result["confidence_mean"] == pytest.approx((0.95 + 0.9 + 0.6 + 0.8) / 4)
    # predicted classes 0, 0, 0, 1
    assert result["class_coverage"] == pytest.approx(
        -(0.75 * math.log(0.75) + 0.25 * math.log(0.25)) / math.log(2)
    )
    uniform = np.tile(np.eye(3) * 0.7 + 0.1, (2, 1))  # rows (0.8, 0.1, 0.1): each class twice
    assert classifier_scores(uniform)["class_coverage"] == pytest.approx(1.0)
    one_class = np.array([[0.7, 0.2, 0.1], [0.5, 0.3, 0.2], [0.99, 0.0, 0.01]])
    assert classifier_scores(one_class)["class_coverage"] == 0.0
    single = classifier_scores(np.ones((3, 1)))
    assert single == {"confident": 1.0, "confidence_mean": 1.0, "class_coverage": 1.0}
    f32 = classifier_scores(np.array([[0.9, 0.1], [0.1, 0.9]], dtype=np.float32))
    assert f32["confident"] == 1.0  # float32 0.9 is just below 0.9 in float64


def test_classifier_scores_multilabel() -> None:
    p = np.array([[0.9, 0.1, 0.5], [1.0, 0.0, 0.95]])
    result = classifier_scores(p, multilabel=True)
    # per-image confidence: mean of max(p, 1 - p) = (0.9 + 0.9 + 0.5) / 3, (1 + 1 + 0.95) / 3
    assert result["confident"] == 0.5
    assert result["confidence_mean"] == pytest.approx((2.3 / 3 + 2.95 / 3) / 2)
    # positives (p > 0.5): attribute 0 always, 1 never, 2 in half the images -> (0 + 0 + 1) / 3
    assert result["class_coverage"] == pytest.approx(1 / 3)
    half = np.array([[0.99, 0.01], [0.01, 0.99], [0.8, 0.3], [0.2, 0.7]])
    assert classifier_scores(half, multilabel=True)["class_coverage"] == pytest.approx(1.0)
    quarter = np.array([[0.9], [0.1], [0.1], [0.1]])
    h = -(0.25 * math.log2(0.25) + 0.75 * math.log2(0.75))
    assert classifier_scores(quarter, multilabel=True)["class_coverage"] == pytest.approx(h)


def test_quality_metrics_keys_and_none() -> None:
    real, fake = gaussian(50, 4, 13), gaussian(40, 4, 14)
    result = quality_metrics(real, fake)
    assert tuple(result) == METRICS
    assert all(result[key] is None for key in CLASSIFIER_METRICS)
    assert result["fd"] == pytest.approx(frechet_distance(real, fake))
    probs = np.random.default_rng(15).dirichlet(np.ones(5), size=40)
    full = quality_metrics(real, fake, probs)
    assert all(isinstance(full[key], float) for key in METRICS)
    assert full["confident"] == classifier_scores(probs)["confident"]
    assert full["precision"] == prdc(real, fake, K_PR, K_DC)["precision"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: frechet_distance([[np.nan, 1.0], [0.0, 1.0]], np.zeros((3, 2))), "NaN"),
        (lambda: frechet_distance(np.zeros((3, 2)), [[np.inf, 1.0], [0.0, 1.0]]), "NaN"),
        (lambda: frechet_distance(np.zeros((3, 2)), np.zeros((3, 3))), "dimension"),
        (lambda: feature_scores(np.zeros((1, 2)), np.zeros((3, 2))), "at least 2 rows"),
        (lambda: frechet_distance(np.zeros(5), np.zeros((3, 1))), "shape (n, d)"),
        (lambda: prdc(gaussian(5, 2, 0), gaussian(9, 2, 1), k_pr=3, k_dc=5), "k_dc=5"),
        (lambda: prdc(gaussian(9, 2, 0), gaussian(3, 2, 1), k_pr=3, k_dc=5), "3 fake points"),
        (lambda: prdc(gaussian(9, 2, 0), gaussian(9, 2, 1), k_pr=0), "k_pr must be >= 1"),
        (lambda: prdc(gaussian(9, 2, 0), gaussian(9, 2, 1), k_pr=2.5), "integer"),
        (lambda: classifier_scores([[0.5, 0.5], [np.nan, 1.0]]), "NaN"),
        (lambda: classifier_scores([0.5, 0.5]), "shape (n, d)"),
        (lambda: classifier_scores([[1.0, 0.0]]), "at least 2 rows"),
        (lambda: classifier_scores([[1.2, -0.2], [0.5, 0.5]]), "[0, 1]"),
        (lambda: classifier_scores([[0.9, 0.8], [0.5, 0.5]]), "multilabel=True"),
        (lambda: quality_metrics(gaussian(9, 2, 0), gaussian(8, 2, 1), np.eye(2)), "2 rows"),
    ],
)
def test_bad_input(call, message: str) -> None:
    with pytest.raises(InvalidParameter) as info:
        call()
    assert message in str(info.value)
    assert "\n" not in str(info.value)
