"""Sample-quality metrics of generated images from classifier outputs and feature vectors.

Needs only numpy; no Qt, no TensorFlow (callers compute features/probabilities).

* classifier scores: how confidently a classifier recognises the fakes and how evenly its
  predicted classes are spread (:func:`classifier_scores`);
* Frechet distance between Gaussians fitted to real and fake features, the FID formula
  (:func:`frechet_distance`);
* precision and recall of Kynkaanniemi, Karras, Laine, Lehtinen and Aila, "Improved Precision
  and Recall Metric for Assessing Generative Models", NeurIPS 2019; density and coverage of
  Naeem, Oh, Uh, Choi and Yoo, "Reliable Fidelity and Diversity Metrics for Generative
  Models", ICML 2020 (:func:`prdc`, defined exactly as the reference implementation
  github.com/clovaai/generative-evaluation-prdc).

All metrics are biased with few samples (FD especially): callers warn below ``MIN_SAMPLES``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterator
from typing import Any

import numpy as np

from explorer.core.errors import InvalidParameter

METRICS = (
    "confident",
    "confidence_mean",
    "class_coverage",
    "fd",
    "precision",
    "recall",
    "density",
    "coverage",
)
CLASSIFIER_METRICS = ("confident", "confidence_mean", "class_coverage")
CONFIDENT = (
    0.9  # top class probability at or above which an image counts as confidently recognisable
)
K_PR = 3  # Kynkaanniemi et al. 2019 k for precision/recall
K_DC = 5  # Naeem et al. 2020 k for density/coverage
MIN_SAMPLES = 1000  # below this the metrics are biased (FD especially); callers warn

_TOL = 1e-6  # slack for probabilities (float32 softmax/sigmoid outputs)
_SUM_TOL = 1e-3  # how far a single-label row may sum from 1
_BLOCK = 1 << 22  # distances held at once (32 MB of float64)


def _array(x: Any, name: str, min_rows: int = 2) -> np.ndarray:
    """``x`` as a finite float64 (n, d) array with ``n >= min_rows``, else InvalidParameter."""
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidParameter(f"{name} are not numeric: {exc}") from None
    if a.ndim != 2 or a.shape[1] < 1:
        raise InvalidParameter(f"{name} must have shape (n, d), got shape {a.shape}.")
    if a.shape[0] < min_rows:
        raise InvalidParameter(f"{name} need at least {min_rows} rows (got {a.shape[0]}).")
    if not np.all(np.isfinite(a)):
        raise InvalidParameter(f"{name} contain NaN or infinite values.")
    return a


def _pair(real: Any, fake: Any) -> tuple[np.ndarray, np.ndarray]:
    real, fake = _array(real, "real features"), _array(fake, "fake features")
    if real.shape[1] != fake.shape[1]:
        raise InvalidParameter(
            f"real and fake features differ in dimension ({real.shape[1]} vs {fake.shape[1]})."
        )
    return real, fake


def classifier_scores(probabilities: Any, multilabel: bool = False) -> dict[str, float]:
    """``confident``, ``confidence_mean`` and ``class_coverage`` of a classifier's outputs.

    Single-label (``multilabel=False``): ``probabilities`` is (n, c), each row a distribution
    (summing to 1 within 1e-3). An image's confidence is its top probability; ``confident`` is
    the share of images whose confidence is >= ``CONFIDENT`` (less 1e-6 for float32 rounding),
    ``confidence_mean`` the mean confidence. ``class_coverage`` is the entropy (natural log) of
    the histogram of predicted (argmax) classes divided by log(c): 1 when every class is
    predicted equally often, 0 when one class only; with c == 1 it is 1.0 by definition.

    Multilabel (``multilabel=True``): ``probabilities`` is (n, k) independent sigmoid outputs
    (e.g. CelebA's 40 binary attributes). The confidence of attribute a in an image is
    max(p, 1 - p) and the image's confidence is the MEAN over its k attributes; ``confident``
    and ``confidence_mean`` are then as above. ``class_coverage`` is the mean over attributes
    of the binary entropy (log base 2, so in [0, 1]) of q_a, the share of images predicted
    positive (p > 0.5): 1 when every attribute is present in exactly half the images, 0 when
    every attribute is always or never present.
    """
    p = _array(probabilities, "probabilities")
    if p.min() < -_TOL or p.max() > 1 + _TOL:
        raise InvalidParameter(
            f"probabilities must lie in [0, 1] (got {p.min():.4g} .. {p.max():.4g})."
        )
    p = np.clip(p, 0.0, 1.0)
    n, c = p.shape
    if multilabel:
        confidence = np.maximum(p, 1.0 - p).mean(axis=1)
        q = (p > 0.5).mean(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            h = -(q * np.log2(q) + (1 - q) * np.log2(1 - q))
        coverage = float(np.nan_to_num(h, nan=0.0).mean())
    else:
        sums = p.sum(axis=1)
        if np.any(np.abs(sums - 1.0) > _SUM_TOL):
            raise InvalidParameter(
                f"single-label probability rows must sum to 1 (got {sums.min():.4g} .. "
                f"{sums.max():.4g}); pass multilabel=True for independent sigmoid outputs."
            )
        confidence = p.max(axis=1)
        if c == 1:
            coverage = 1.0
        else:
            share = np.bincount(p.argmax(axis=1), minlength=c) / n
            share = share[share > 0]
            coverage = float(-(share * np.log(share)).sum() / math.log(c))
    return {
        "confident": float(np.mean(confidence >= CONFIDENT - _TOL)),
        "confidence_mean": float(confidence.mean()),
        "class_coverage": float(min(max(coverage, 0.0), 1.0)),
    }


def _frechet(real: np.ndarray, fake: np.ndarray) -> float:
    mu1, mu2 = real.mean(axis=0), fake.mean(axis=0)
    s1 = np.atleast_2d(np.cov(real, rowvar=False))
    s2 = np.atleast_2d(np.cov(fake, rowvar=False))
    # Tr sqrtm(S1 S2) = sum of sqrt of the eigenvalues of sqrt(S1) S2 sqrt(S1) (similar
    # matrices), which is symmetric positive semi-definite: eigh is stable and fast.
    w, v = np.linalg.eigh(s1)
    root1 = (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T
    m = root1 @ s2 @ root1
    eig = np.linalg.eigvalsh((m + m.T) / 2.0)
    trace_root = float(np.sqrt(np.clip(eig, 0.0, None)).sum())
    diff = mu1 - mu2
    fd = float(diff @ diff) + float(np.trace(s1) + np.trace(s2)) - 2.0 * trace_root
    return max(fd, 0.0)


def frechet_distance(real: Any, fake: Any) -> float:
    """Frechet distance between Gaussians fitted to two (n, d) feature sets (n >= 2 each):
    ``||mu1 - mu2||^2 + Tr(S1 + S2 - 2 sqrtm(S1 S2))`` with sample covariances (ddof=1),
    computed in float64 through eigen-decompositions and clipped to >= 0."""
    return _frechet(*_pair(real, fake))


def _blocks(a: np.ndarray, b: np.ndarray, same: bool = False) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (start, SQUARED Euclidean distances of a row block of ``a`` to all of ``b``)."""
    b_sq = np.einsum("ij,ij->i", b, b)
    step = max(1, _BLOCK // len(b))
    for start in range(0, len(a), step):
        chunk = a[start : start + step]
        d = chunk @ b.T
        d *= -2.0
        d += np.einsum("ij,ij->i", chunk, chunk)[:, None]
        d += b_sq
        np.maximum(d, 0.0, out=d)
        if same:  # exact zeros to self, as sklearn's pairwise_distances(x)
            d[np.arange(len(chunk)), np.arange(start, start + len(chunk))] = 0.0
        yield start, d


def _radii(x: np.ndarray, ks: tuple[int, ...]) -> list[np.ndarray]:
    """Squared distance of each point to its k-th nearest OTHER point (the (k+1)-th smallest
    of its row, self included), for each k in ``ks``."""
    out = [np.empty(len(x)) for _ in ks]
    for start, d in _blocks(x, x, same=True):
        part = np.partition(d, sorted(set(ks)), axis=1)
        for r, k in zip(out, ks, strict=True):
            r[start : start + len(d)] = part[:, k]
    return out


def _check_k(k: Any, name: str, sizes: dict[str, int]) -> int:
    try:
        k = operator.index(k)
    except TypeError:
        raise InvalidParameter(f"{name} must be an integer (got {k!r}).") from None
    if k < 1:
        raise InvalidParameter(f"{name} must be >= 1 (got {k}).")
    for which, n in sizes.items():
        if k >= n:
            raise InvalidParameter(f"{name}={k} needs more than {k} {which} points (got {n}).")
    return k


def _prdc(real: np.ndarray, fake: np.ndarray, k_pr: int, k_dc: int) -> dict[str, float]:
    k_pr = _check_k(k_pr, "k_pr", {"real": len(real), "fake": len(fake)})
    k_dc = _check_k(k_dc, "k_dc", {"real": len(real)})
    centre = real.mean(axis=0)  # distances are unchanged; the |a|^2 - 2ab + |b|^2 error shrinks
    real, fake = real - centre, fake - centre
    r_pr, r_dc = _radii(real, (k_pr, k_dc))
    (f_pr,) = _radii(fake, (k_pr,))
    in_real_ball = np.zeros(len(fake), dtype=bool)
    balls_per_fake = np.zeros(len(fake), dtype=np.int64)
    recalled = np.empty(len(real), dtype=bool)
    covered = np.empty(len(real), dtype=bool)
    for start, d in _blocks(real, fake):
        rows = slice(start, start + len(d))
        in_real_ball |= (d < r_pr[rows, None]).any(axis=0)
        inside_dc = d < r_dc[rows, None]
        balls_per_fake += inside_dc.sum(axis=0)
        covered[rows] = inside_dc.any(axis=1)
        recalled[rows] = (d < f_pr).any(axis=1)
    return {
        "precision": float(in_real_ball.mean()),
        "recall": float(recalled.mean()),
        "density": float(balls_per_fake.mean() / k_dc),
        "coverage": float(covered.mean()),
    }


def prdc(real: Any, fake: Any, k_pr: int = K_PR, k_dc: int = K_DC) -> dict[str, float]:
    """Precision, recall (k = ``k_pr``), density and coverage (k = ``k_dc``) of fake features
    against real ones, both (n, d), with Euclidean distances.

    A point's k-NN ball has as radius the distance to its k-th nearest OTHER point of its own
    set; "inside" is the STRICT ``distance < radius`` of the reference implementation.
    precision: share of fakes inside at least one real ball; recall: share of reals inside at
    least one fake ball; density: (1 / (k M)) * sum over the M fakes of the number of real
    balls containing it; coverage: share of reals whose own ball contains a fake. k must be
    smaller than each set it is used on. Distances are computed in row blocks (bounded
    memory); 2000 x 2000 points of 128-d take about 0.25 s on one core.
    """
    return _prdc(*_pair(real, fake), k_pr, k_dc)


def feature_scores(real: Any, fake: Any) -> dict[str, float]:
    """``fd`` (:func:`frechet_distance`) and the :func:`prdc` metrics with the default k."""
    real, fake = _pair(real, fake)
    return {"fd": _frechet(real, fake), **_prdc(real, fake, K_PR, K_DC)}


def quality_metrics(
    real_features: Any,
    fake_features: Any,
    probabilities: Any = None,
    multilabel: bool = False,
) -> dict[str, float | None]:
    """Every metric of ``METRICS``: the feature metrics of fake against real features and,
    when ``probabilities`` (one row per fake) is given, the :func:`classifier_scores`;
    otherwise the classifier metrics are None."""
    real, fake = _pair(real_features, fake_features)
    scores: dict[str, float | None] = dict.fromkeys(CLASSIFIER_METRICS)
    if probabilities is not None:
        n = np.shape(probabilities)[0] if np.ndim(probabilities) else 0
        if n != len(fake):
            raise InvalidParameter(
                f"probabilities have {n} rows but there are {len(fake)} fake feature rows."
            )
        scores.update(classifier_scores(probabilities, multilabel))
    scores.update(feature_scores(real, fake))
    return {key: scores[key] for key in METRICS}
