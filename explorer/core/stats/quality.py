"""Measured sample quality: a sampler's decodes judged against real images, per model.

Every number is computed in a *judge*'s view of the images (:class:`Judge`):

- a classifier of the data set (``models/mnist_classifier`` for the built-in MNIST, trained
  on demand and cached for other labelled data sets; see
  :mod:`explorer.core.model.classifier`): its probabilities give ``confident``,
  ``confidence_mean`` and ``class_coverage``, its penultimate layer the features of ``fd``,
  ``precision``, ``recall``, ``density`` and ``coverage``
  (:mod:`explorer.core.stats.quality_metrics`);
- for a data set without labels, the principal components of the pixels fitted on the
  training images: the feature metrics only, and weaker (pixels are not perceptual).

The rows (:func:`quality_report`):

- each model: ``n`` decodes of the sampler's z-points against the held-out real images
  (the data set's validation split, which neither the shipped models nor the classifier
  trained on);
- ``reference``: the held-out real images against as many training images, the same
  metrics for real data: the ceiling next to every number. Roughly: both sets are as large
  as the held-out set (500 images for ``mnist-5k``), which raises its FD (FD's bias grows as
  the sets shrink) and can leave a model's ``coverage`` from ``n`` decodes above it.

Below :data:`MIN_SAMPLES` decodes the metrics are biased (FD most); :func:`quality_report`
says so in its ``notes``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.core.data.dataset import Dataset, split_indices
from explorer.core.errors import InvalidParameter
from explorer.core.latent.encoding import decode
from explorer.core.latent.samplers import get_sampler
from explorer.core.latent.sampling import Samples, layout, sample
from explorer.core.progress import TaskState, ensure_state
from explorer.core.stats.quality_metrics import (
    CLASSIFIER_METRICS,
    METRICS,
    MIN_SAMPLES,
    quality_metrics,
)

DEFAULT_N = 2000
PIXEL_COMPONENTS = 64
NUMERIC_KINDS = ("float", "positive", "int", "axis")  # parameter kinds a sweep can vary
HELD_OUT = (0.1, 0)  # validation split and seed when no classifier says which (the CLI's)


@dataclass
class Judge:
    """Features (and, with a classifier, probabilities) of images: ``kind`` "classifier" or
    "pixels"; ``describe`` says which in one line."""

    kind: str
    describe: str
    classifier: Any = None
    pixels: Any = None
    split: tuple[float, int] = HELD_OUT

    @property
    def multilabel(self) -> bool:
        return self.classifier is not None and self.classifier.multilabel

    def __call__(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """``(features, probabilities or None)`` of uint8 images (n, h, w, c)."""
        if self.classifier is not None:
            return self.classifier.predict(images)
        return self.pixels.features(images), None


@dataclass
class RealSet:
    """The real images' features: ``held_out`` (with probabilities when there is a
    classifier) and a sample of ``train`` as large, and their data set indices."""

    held_out: np.ndarray
    held_out_probabilities: np.ndarray | None
    train: np.ndarray
    held_out_index: np.ndarray
    train_index: np.ndarray


@dataclass
class ModelQuality:
    """One model's row: its metrics, decodes (uint8) and their top class probabilities."""

    name: str
    source: str
    metrics: dict[str, float | None]
    images: np.ndarray
    confidence: np.ndarray | None
    predicted: np.ndarray | None


@dataclass
class QualityReport:
    reference: dict[str, float | None]
    models: list[ModelQuality]
    sampler: dict[str, Any]
    n: int
    judge: str
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """``{"reference", "models": [{"name", "source", "metrics"}], "sampler", "n", ...}``."""
        return {
            "reference": self.reference,
            "models": [
                {"name": m.name, "source": m.source, "metrics": m.metrics} for m in self.models
            ],
            "sampler": self.sampler,
            "n": self.n,
            "judge": self.judge,
            "notes": self.notes,
        }


def _images(ds: Dataset, index: np.ndarray) -> np.ndarray:
    if ds.images is not None:
        return np.asarray(ds.images[index])
    return np.stack([ds.image(int(i)) for i in index])


def make_judge(
    ds: Dataset,
    state: TaskState | None = None,
    need_classifier: bool = False,
    train_if_missing: bool = True,
) -> Judge:
    """The data set's classifier (trained if needed, with progress and cancel), or for an
    unlabelled data set pixel principal components fitted on its training images; with
    ``need_classifier`` an unlabelled data set is an error."""
    from explorer.core.model.classifier import classifier_for
    from explorer.core.model.pixel_features import PixelPCA

    state = ensure_state(state)
    classifier = classifier_for(ds, state=state, train_if_missing=train_if_missing)
    if classifier is not None:
        split = classifier.meta.get("split", {})
        held = (float(split.get("validation_split", HELD_OUT[0])), int(split.get("seed", 0)))
        accuracy = classifier.meta.get("held_out", {}).get("accuracy")
        said = f", held-out accuracy {accuracy:.3f}" if isinstance(accuracy, float) else ""
        where = classifier.meta.get("path", "")
        name = f"classifier {where}".strip()  # no stray space before the comma without a path
        note = f" ({classifier.note})" if classifier.note else ""
        return Judge("classifier", f"{name}{said}{note}", classifier, split=held)
    if need_classifier:
        raise InvalidParameter(
            f"data set {ds.name} has no labels: the classifier metrics "
            f"({', '.join(CLASSIFIER_METRICS)}) need a labelled data set"
        )
    train, _ = split_indices(len(ds), *HELD_OUT)
    fit_on = np.random.default_rng(0).choice(train, min(len(train), 5000), replace=False)
    pixels = PixelPCA.fit(_images(ds, np.sort(fit_on)), PIXEL_COMPONENTS, seed=0)
    return Judge(
        "pixels",
        f"pixel PCA ({PIXEL_COMPONENTS} components): no labels, so no classifier metrics, "
        "and weaker feature metrics (pixels are not perceptual)",
        pixels=pixels,
    )


def real_set(ds: Dataset, judge: Judge, n: int, seed: int = 0) -> RealSet:
    """The held-out images (at most ``n``) and as many training images (two sets of one
    size: the reference compares like with like), through ``judge``."""
    train, held = split_indices(len(ds), *judge.split)
    if len(held) < 2:
        raise InvalidParameter(f"data set {ds.name} holds out {len(held)} images: too few")
    rng = np.random.default_rng(seed)
    held = np.sort(rng.choice(held, min(n, len(held)), replace=False))
    train = np.sort(rng.choice(train, min(len(held), len(train)), replace=False))
    held_features, held_probabilities = judge(_images(ds, held))
    train_features, _ = judge(_images(ds, train))
    return RealSet(held_features, held_probabilities, train_features, held, train)


def reference_metrics(real: RealSet, multilabel: bool = False) -> dict[str, float | None]:
    """The held-out real images against the training images: every metric's ceiling."""
    return _metrics(real.train, real.held_out, real.held_out_probabilities, multilabel)


def _metrics(
    real: np.ndarray, fake: np.ndarray, probabilities: np.ndarray | None, multilabel: bool
) -> dict[str, float | None]:
    """:func:`quality_metrics` with NumPy's BLAS on one thread: its k-NN distances are small
    products that threads only slow down (0.45 s against 1.5 s for 2000 x 2000 on a busy
    2-core machine, ``bench/bench_quality.py``)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        return quality_metrics(real, fake, probabilities, multilabel)


def sampled_z(
    sampler: str, n: int, z_dim: int, seed: int, data: Any = None, params: dict | None = None
) -> Samples:
    """``n`` z-points of ``sampler`` (a grid sampler that lays out its own grid gives its own
    number); the core's :class:`~explorer.core.latent.sampling.Samples`."""
    params = dict(params or {})
    spec = get_sampler(sampler)
    if spec.grid:
        fixed = layout(sampler, z_dim, data, **params)
        if fixed is not None:
            n = fixed[0] * fixed[1]
        elif params.get("cols") is None:
            cols = max(1, int(round(np.sqrt(n))))
            params["cols"], n = cols, cols * max(1, n // cols)
    return sample(sampler, n, z_dim, seed=seed, data=data, **params)


def model_quality(
    model: Any,
    judge: Judge,
    real: RealSet,
    z: np.ndarray,
    source: str = "",
    state: TaskState | None = None,
) -> ModelQuality:
    """``model``'s decodes of ``z`` judged against the held-out real images."""
    return judged(model.name, source, decode(model, z, state=state), judge, real)


def judged(name: str, source: str, images: np.ndarray, judge: Judge, real: RealSet) -> ModelQuality:
    """Decoded ``images`` (uint8) judged against the held-out real images."""
    features, probabilities = judge(images)
    metrics = _metrics(real.held_out, features, probabilities, judge.multilabel)
    confidence = predicted = None
    if probabilities is not None:
        if judge.multilabel:
            confidence = np.maximum(probabilities, 1 - probabilities).mean(axis=1)
        else:
            confidence, predicted = probabilities.max(axis=1), probabilities.argmax(axis=1)
    return ModelQuality(name, source, metrics, images, confidence, predicted)


MAX_SAMPLES = 100_000
"""The most samples a quality run decodes per model: their images and features are held in
memory (100 000 CelebA-64 decodes are 1.2 GB), and the metrics settle long before."""


def check_n(n: int) -> tuple[int, list[str]]:
    """``n`` checked (2 .. :data:`MAX_SAMPLES`) and the note when it is below
    :data:`MIN_SAMPLES`."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise InvalidParameter(f"the number of samples must be a whole number >= 2, got {n!r}")
    if n > MAX_SAMPLES:
        raise InvalidParameter(
            f"the number of samples must be at most {MAX_SAMPLES} (the decoded images and "
            f"their features are held in memory), got {n}"
        )
    if n < MIN_SAMPLES:
        return int(n), [
            f"{n} samples: the metrics are biased below {MIN_SAMPLES} (FD most); use --n "
            f"{MIN_SAMPLES} or more for numbers to compare"
        ]
    return int(n), []


def quality_report(
    models: list[tuple[Any, str, Any]],
    ds: Dataset,
    sampler: str,
    n: int = DEFAULT_N,
    seed: int = 0,
    params: dict | None = None,
    judge: Judge | None = None,
    state: TaskState | None = None,
    real: RealSet | None = None,
) -> QualityReport:
    """The metrics of ``models`` (``(model, source, latent data or None)``) for ``n`` z-points
    of ``sampler`` (seeded; the same z-points for models of the same z_dim), plus the
    reference row. The judge is made (and a classifier trained) when not given, the real
    images' features (:func:`real_set`) computed when not given."""
    started = time.perf_counter()
    state = ensure_state(state)
    n, notes = check_n(n)
    judge = judge or make_judge(ds, state.sub(0.0, 0.3, "classifier: "))
    notes.append(f"judged by {judge.describe}")
    state.set_progress(0.3, "real images")
    real = real or real_set(ds, judge, n, seed)
    if len(real.held_out) < n:
        notes.append(f"{len(real.held_out)} held-out real images (the data set holds out no more)")
    rows: list[ModelQuality] = []
    description: dict[str, Any] = {}
    for k, (model, source, data) in enumerate(models):
        part = state.sub(0.4 + 0.6 * k / len(models), 0.4 + 0.6 * (k + 1) / len(models))
        part.set_progress(0.0, f"{model.name}: sampling")
        samples = sampled_z(sampler, n, model.z_dim, seed, data, params)
        description = description or samples.description
        rows.append(model_quality(model, judge, real, samples.z, source, part))
    return QualityReport(
        reference=reference_metrics(real, judge.multilabel),
        models=rows,
        sampler=description,
        n=n,
        judge=judge.describe,
        notes=notes,
        seconds=time.perf_counter() - started,
    )


def parse_sweep(text: str) -> tuple[str, np.ndarray]:
    """``PARAM=LO:HI:STEP`` -> (PARAM, values from LO to HI inclusive by STEP)."""
    name, _, span = str(text).partition("=")
    parts = span.split(":")
    try:
        lo, hi, step = (float(v) for v in parts)
    except ValueError:
        raise InvalidParameter(
            f"--sweep takes PARAM=LO:HI:STEP (e.g. limit=0.5:8:0.5), got {text!r}"
        ) from None
    if not name or step <= 0 or hi < lo or not all(np.isfinite([lo, hi, step])):
        raise InvalidParameter(f"--sweep {text}: need a name, LO <= HI and STEP > 0")
    count = int(np.floor((hi - lo) / step + 1e-9)) + 1
    if count > 200:
        raise InvalidParameter(f"--sweep {text}: {count} values; at most 200")
    return name, lo + step * np.arange(count)


def check_sweep(sampler: str, name: str) -> str:
    """The sampler's parameter ``name`` (a number) or a one-line error naming the choices."""
    spec = get_sampler(sampler)
    numeric = [p.name for p in spec.params if p.kind in NUMERIC_KINDS]
    if name not in numeric:
        choices = ", ".join(numeric) or "none"
        raise InvalidParameter(
            f"--sweep {name}: not a numeric parameter of the {sampler} sampler (it has: {choices})"
        )
    return name


@dataclass
class Sweep:
    """Every metric of every model against one sampler parameter's ``values``."""

    param: str
    values: np.ndarray
    models: list[tuple[str, dict[str, list[float | None]]]]
    reference: dict[str, float | None]
    sampler: str

    def to_json(self) -> dict[str, Any]:
        return {
            "sampler": self.sampler,
            "param": self.param,
            "values": [float(v) for v in self.values],
            "reference": self.reference,
            "models": [{"name": name, "metrics": m} for name, m in self.models],
        }


def sweep(
    models: list[tuple[Any, str, Any]],
    ds: Dataset,
    sampler: str,
    param: str,
    values: np.ndarray,
    n: int = DEFAULT_N,
    seed: int = 0,
    params: dict | None = None,
    judge: Judge | None = None,
    state: TaskState | None = None,
) -> Sweep:
    """The metrics at each value of ``param`` (the other parameters as given), per model."""
    state = ensure_state(state)
    check_sweep(sampler, param)
    n, _ = check_n(n)
    judge = judge or make_judge(ds, state.sub(0.0, 0.2, "classifier: "))
    real = real_set(ds, judge, n, seed)
    out: list[tuple[str, dict[str, list[float | None]]]] = [
        (m.name, {k: [] for k in METRICS}) for m, _, _ in models
    ]
    steps = len(values) * len(models)
    for i, value in enumerate(values):
        for k, (model, source, data) in enumerate(models):
            step = i * len(models) + k
            part = state.sub(0.2 + 0.8 * step / steps, 0.2 + 0.8 * (step + 1) / steps)
            part.set_progress(0.0, f"{model.name}: {param} = {value:g}")
            chosen = {**(params or {}), param: _as_kind(sampler, param, value)}
            samples = sampled_z(sampler, n, model.z_dim, seed, data, chosen)
            row = model_quality(model, judge, real, samples.z, source, part)
            for key in METRICS:
                out[k][1][key].append(row.metrics[key])
    return Sweep(param, np.asarray(values), out, reference_metrics(real, judge.multilabel), sampler)


def _as_kind(sampler: str, name: str, value: float) -> float | int:
    kind = next(p.kind for p in get_sampler(sampler).params if p.name == name)
    return int(round(value)) if kind in ("int", "axis") else float(value)
