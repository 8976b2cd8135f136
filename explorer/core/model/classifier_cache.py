"""Where classifiers are kept: the classifier bundle (``model.keras`` + ``meta.json``), the
:class:`Classifier` view of a loaded one, and the checks :func:`classifier_for` makes on the
shipped and the cached bundles. Callers import all of it from
:mod:`explorer.core.model.classifier`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from explorer.core.data.builtin import DEFAULT_DATASET
from explorer.core.data.dataset import Dataset
from explorer.core.errors import InvalidParameter, ModelLoadError
from explorer.core.model.checkpoint import file_sha256, read_meta_file
from explorer.core.util import atomic
from explorer.core.util.imaging import from_uint8

CLASSIFIER_FILE = "model.keras"
META_FILE = "meta.json"
FEATURES_LAYER = "features"
SHIPPED_DATASET = DEFAULT_DATASET


@dataclass
class Classifier:
    """A trained classifier: ``model`` gives probabilities, ``features_model`` the 128
    penultimate-layer values of the same input. Images are uint8 0..255 or float in [0, 1]."""

    model: Any
    features_model: Any
    meta: dict
    note: str = ""  # one line to say (a damaged cache entry trained again)
    _both: Any = field(default=None, repr=False)

    @property
    def multilabel(self) -> bool:
        return bool(self.meta.get("multilabel", False))

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.meta.get("classes", [])]

    @property
    def input_shape(self) -> tuple:
        return tuple(int(v) for v in self.model.input_shape[1:])

    def probabilities(self, images: npt.ArrayLike, batch_size: int = 256) -> np.ndarray:
        """(n, c) float32: softmax class probabilities, or per-attribute sigmoids."""
        return self._run(self.model, images, batch_size)[0]

    def features(self, images: npt.ArrayLike, batch_size: int = 256) -> np.ndarray:
        """(n, d) float32: the penultimate layer (``features``)."""
        return self._run(self.features_model, images, batch_size)[0]

    def predict(
        self, images: npt.ArrayLike, batch_size: int = 256
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(features, probabilities)`` of ``images`` in one pass."""
        if self._both is None:
            from explorer.core.runtime.tf_setup import keras

            outputs = [self.features_model.outputs[0], self.model.outputs[0]]
            self._both = keras().Model(self.model.inputs, outputs, name="classifier_both")
        feats, probs = self._run(self._both, images, batch_size)
        return feats, probs

    def _run(self, model: Any, images: npt.ArrayLike, batch_size: int) -> list[np.ndarray]:
        x = as_model_input(images, self.input_shape)
        widths = [int(o.shape[-1]) for o in model.outputs]
        if len(x) == 0:
            return [np.zeros((0, w), np.float32) for w in widths]
        parts: list[list[np.ndarray]] = [[] for _ in widths]
        for start in range(0, len(x), max(1, int(batch_size))):
            out = model.predict_on_batch(x[start : start + batch_size])
            for part, o in zip(parts, out if isinstance(out, list | tuple) else [out], strict=True):
                part.append(np.asarray(o, dtype=np.float32))
        return [np.concatenate(p) for p in parts]


def as_model_input(images: npt.ArrayLike, input_shape: tuple) -> np.ndarray:
    """uint8 0..255 or float [0, 1] images (n, h, w[, c]) as float32 [0, 1] of ``input_shape``."""
    x = np.asarray(images)
    if (
        x.ndim == len(input_shape)
        and tuple(x.shape[1:]) == tuple(input_shape[:-1])
        and input_shape[-1] == 1
    ):
        x = x[..., None]
    if x.ndim != len(input_shape) + 1 or tuple(x.shape[1:]) != tuple(input_shape):
        raise InvalidParameter(
            f"the classifier takes images of {_fmt(input_shape)}, got an array of shape {x.shape}"
        )
    if x.dtype == np.uint8:
        return from_uint8(x)
    if not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
        raise InvalidParameter(f"images must be numbers, got {x.dtype}")
    x = x.astype(np.float32)
    if x.size and (not np.isfinite(x).all() or x.min() < -1e-3 or x.max() > 1.0 + 1e-3):
        raise InvalidParameter(
            "float images for the classifier must be finite and in [0, 1] (uint8 for 0..255)"
        )
    return np.clip(x, 0.0, 1.0)


def wrap(model: Any, meta: dict) -> Classifier:  # model: a keras.Model
    from explorer.core.runtime.tf_setup import keras

    try:
        feats = model.get_layer(FEATURES_LAYER).output
    except ValueError as exc:
        raise ModelLoadError(
            f"{model.name}: not a classifier (no '{FEATURES_LAYER}' layer)"
        ) from exc
    features_model = keras().Model(model.inputs, feats, name="classifier_features")
    return Classifier(model=model, features_model=features_model, meta=meta)


def save_classifier(folder: str | Path, classifier: Classifier) -> None:
    """Write ``model.keras`` then ``meta.json`` into ``folder``, each atomically (the meta,
    written last, names the model file's digest)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    atomic.write_with(folder / CLASSIFIER_FILE, lambda tmp: classifier.model.save(tmp))
    meta = {**classifier.meta, "model_sha256": file_sha256(folder / CLASSIFIER_FILE)}
    atomic.write_json(folder / META_FILE, meta)
    classifier.meta = meta


def load_classifier(folder: str | Path) -> Classifier:
    """A classifier bundle, loaded with ``safe_mode=True``; problems are one line."""
    from explorer.core.runtime.tf_setup import keras

    folder = Path(folder)
    if not folder.is_dir():
        raise ModelLoadError(
            f"{folder}: no such classifier bundle (a folder with {CLASSIFIER_FILE} and {META_FILE})"
        )
    meta_path, model_path = folder / META_FILE, folder / CLASSIFIER_FILE
    meta = read_meta_file(meta_path, "a classifier bundle")
    if not isinstance(meta, dict) or meta.get("kind") != "classifier":
        kind = meta.get("kind") if isinstance(meta, dict) else None
        raise ModelLoadError(f"{folder}: not a classifier bundle (kind {kind!r})")
    if not model_path.is_file():
        raise ModelLoadError(f"{model_path}: missing; the classifier bundle is incomplete")
    digest = meta.get("model_sha256")
    if digest is not None and digest != file_sha256(model_path):
        raise ModelLoadError(
            f"{folder}: {CLASSIFIER_FILE} and {META_FILE} disagree (an interrupted write?); "
            f"train it again (latent-explorer classifier --out {folder} --overwrite)"
        )
    try:
        model = keras().saving.load_model(model_path, safe_mode=True, compile=False)
    except Exception as exc:  # noqa: BLE001 - Keras raises many kinds; one message each
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelLoadError(f"{model_path}: cannot load the classifier ({reason})") from exc
    classifier = wrap(model, meta)
    if classifier.input_shape != tuple(meta.get("input_shape", classifier.input_shape)):
        raise ModelLoadError(f"{folder}: model.keras does not match meta.json's input shape")
    return classifier


def shipped_fits(folder: Path, ds: Dataset) -> bool:
    try:
        meta = json.loads((folder / META_FILE).read_text())
    except (OSError, ValueError):
        return False
    data = meta.get("dataset", {})
    if tuple(meta.get("input_shape", ())) != tuple(ds.image_shape):
        return False
    same_name = ds.name == SHIPPED_DATASET == data.get("name") and data.get("n_images") == len(ds)
    return same_name or data.get("fingerprint") == ds.fingerprint()


def bundle_ready(folder: Path) -> bool:
    if not ((folder / META_FILE).is_file() and (folder / CLASSIFIER_FILE).is_file()):
        return False
    try:
        return json.loads((folder / META_FILE).read_text()).get("kind") == "classifier"
    except (OSError, ValueError, AttributeError):
        return False


def _fmt(shape: Iterable[int]) -> str:
    return "x".join(str(int(v)) for v in shape)
