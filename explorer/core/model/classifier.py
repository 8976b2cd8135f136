"""An image classifier that judges decoded samples: a small CNN trained on a labelled data
set, whose class probabilities and penultimate-layer features ("features", 128 values) say
whether a decoded image looks like the data and which class it resembles.

A classifier bundle is a folder with ``model.keras`` (the probabilities model, loadable with
``safe_mode=True``, no custom objects) and ``meta.json`` (``kind: "classifier"``, the data
set, classes, split, held-out metrics). :func:`classifier_for` finds one for a data set: the
shipped ``models/mnist_classifier`` for ``mnist-5k``, else a cached one trained on first use.
Unlabelled data sets have none; :class:`~explorer.core.model.pixel_features.PixelPCA` is the
(weaker) fallback feature space.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.data.dataset import Dataset, split_indices
from explorer.core.errors import DatasetError, InvalidParameter, ModelLoadError
from explorer.core.model.classifier_cache import (
    CLASSIFIER_FILE,
    FEATURES_LAYER,
    META_FILE,
    Classifier,
    as_model_input,
    bundle_ready,
    load_classifier,
    save_classifier,
    shipped_fits,
    wrap,
)
from explorer.core.progress import TaskState, ensure_state
from explorer.core.util import atomic
from explorer.core.util.imaging import from_uint8
from explorer.core.util.paths import shipped_model, user_cache_dir

__all__ = [
    "CLASSIFIER_FILE",
    "META_FILE",
    "Classifier",
    "as_model_input",
    "build_classifier",
    "classifier_for",
    "load_classifier",
    "save_classifier",
    "train_classifier",
]

FORMAT = 1
SHIPPED = "mnist_classifier"
DEFAULT_EPOCHS = 20


def build_classifier(
    input_shape: Sequence[int], n_outputs: int, multilabel: bool = False, seed: int = 0
) -> Any:  # a keras.Model
    """A small CNN: light augmentation (training only), two conv blocks, a Dense(128)
    ``features`` layer, dropout, softmax (single-label) or sigmoid (multilabel) outputs.
    Images of 64 px or more get strided convolutions first, so it stays cheap."""
    from explorer.core.runtime.tf_setup import keras

    k = keras()
    layers = k.layers
    h, w, c = (int(v) for v in input_shape)
    if n_outputs < 1 or min(h, w) < 8 or c not in (1, 3):
        raise InvalidParameter(
            f"a classifier needs images of at least 8x8 with 1 or 3 channels and 1+ outputs "
            f"(got {_fmt(input_shape)}, {n_outputs} outputs)"
        )
    inp = k.Input(shape=(h, w, c), name="image")
    x = layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=seed, name="aug_shift")(inp)
    x = layers.RandomRotation(0.03, fill_mode="constant", seed=seed + 1, name="aug_rotate")(x)
    x = layers.RandomZoom(0.1, fill_mode="constant", seed=seed + 2, name="aug_zoom")(x)
    size, i = min(h, w), 0
    while size >= 64:  # large images: halve them with strided convolutions first
        x = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu", name=f"stem_{i}")(x)
        size, i = math.ceil(size / 2), i + 1
    for block, filters in enumerate((32, 64)):
        for j in range(2):
            x = layers.Conv2D(
                filters, 3, padding="same", activation="relu", name=f"conv_{block}_{j}"
            )(x)
        x = layers.MaxPooling2D(2, name=f"pool_{block}")(x)
        size //= 2
    while size > 4:  # keep the flattened size (and the Dense layer) small
        x = layers.MaxPooling2D(2, name=f"pool_{i + 2}")(x)
        size, i = size // 2, i + 1
    x = layers.Flatten(name="flatten")(x)
    feats = layers.Dense(128, activation="relu", name=FEATURES_LAYER)(x)
    x = layers.Dropout(0.4, seed=seed, name="dropout")(feats)
    out = layers.Dense(
        n_outputs, activation="sigmoid" if multilabel else "softmax", name="probabilities"
    )(x)
    return k.Model(inp, out, name="classifier")


def _targets(ds: Dataset) -> tuple[np.ndarray, list[str], bool]:
    """``(targets, class names, multilabel)``: class indices 0..c-1, or (n, k) 0/1 floats."""
    if ds.labels is None:
        raise DatasetError(f"{ds.name}: has no labels; a classifier needs a labelled data set")
    labels = np.asarray(ds.labels)
    if len(labels) != len(ds):
        raise DatasetError(f"{ds.name}: {len(labels)} labels for {len(ds)} images")
    if labels.ndim == 2:
        names = ds.label_names or [str(j) for j in range(labels.shape[1])]
        targets = (labels > 0).astype(np.float32)
        if len(targets) and np.all(targets == targets[:1]):
            raise DatasetError(
                f"{ds.name}: every image has the same attributes; a classifier needs "
                "attributes that differ between images"
            )
        return targets, [str(n) for n in names], True
    if labels.ndim != 1:
        raise DatasetError(f"{ds.name}: labels must be (n,) classes or (n, k) 0/1 attributes")
    present = np.unique(labels)
    if len(present) < 2:
        only = f"label {present[0]}" if len(present) else "no label"
        raise DatasetError(
            f"{ds.name}: every image has {only}; a classifier needs at least two classes"
        )
    known = ds.label_names
    if (
        known
        and np.issubdtype(labels.dtype, np.integer)
        and labels.min() >= 0
        and labels.max() < len(known)
    ):
        return labels.astype(np.int64), [str(n) for n in known], False
    values, index = np.unique(labels, return_inverse=True)
    return index.astype(np.int64), [str(v) for v in values], False


def _batches(
    ds: Dataset, idx: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool, seed: int
) -> Any:  # a keras.utils.PyDataset
    """A ``keras.utils.PyDataset`` of float [0, 1] image batches and their targets (in-memory
    arrays are gathered, streamed files read with ``ds.image``)."""
    from explorer.core.runtime.tf_setup import keras

    base: Any = keras().utils.PyDataset

    class Batches(base):
        def __init__(self) -> None:
            super().__init__()
            self.order = np.asarray(idx)
            self.rng = np.random.default_rng(seed)
            self.on_epoch_end()

        def __len__(self) -> int:
            return math.ceil(len(idx) / batch_size)

        def __getitem__(self, b: int) -> tuple[np.ndarray, np.ndarray]:
            sel = self.order[b * batch_size : (b + 1) * batch_size]
            if ds.images is not None:
                sel = np.sort(sel)  # increasing indices read memory-mapped arrays faster
                images = np.asarray(ds.images[sel])
            else:
                images = np.stack([ds.image(int(i)) for i in sel])
            return from_uint8(images), y[sel]

        def on_epoch_end(self) -> None:
            if shuffle:
                self.order = self.rng.permutation(np.asarray(idx))

    return Batches()


def train_classifier(
    ds: Dataset,
    *,
    out: Path | str | None,
    epochs: int = DEFAULT_EPOCHS,
    batch_size: int = 128,
    validation_split: float = 0.1,
    seed: int = 0,
    state: TaskState | None = None,
) -> Classifier:
    """Train a classifier on ``ds`` (the held-out images are ``split_indices(len(ds),
    validation_split, seed)``'s, the autoencoders' with seed 0), early-stopped on the
    validation loss; saved into ``out`` when given. ``state`` gets per-batch progress; a stop
    request raises :class:`~explorer.core.errors.Cancelled` and nothing is written."""
    from explorer.core.model.store import library_versions
    from explorer.core.runtime.tf_setup import keras

    k = keras()
    state = ensure_state(state)
    if int(epochs) < 1 or int(batch_size) < 1:
        raise InvalidParameter(f"epochs and batch size must be >= 1 (got {epochs}, {batch_size})")
    y, classes, multilabel = _targets(ds)
    train_idx, val_idx = split_indices(len(ds), validation_split, seed)
    state.check()
    k.utils.set_random_seed(seed)
    model = build_classifier(ds.image_shape, len(classes), multilabel, seed)
    loss = "binary_crossentropy" if multilabel else "sparse_categorical_crossentropy"
    metric = "binary_accuracy" if multilabel else "accuracy"
    model.compile(optimizer=k.optimizers.Adam(1e-3), loss=loss, metrics=[metric])
    train_data = _batches(ds, train_idx, y, batch_size, True, seed)
    val_data = _batches(ds, val_idx, y, batch_size, False, seed) if len(val_idx) else None
    watch = _watcher(k, state, int(epochs), len(train_data))
    callbacks = [watch]
    if val_data is not None:
        callbacks.append(
            k.callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)
        )
    model.fit(
        train_data, validation_data=val_data, epochs=int(epochs), verbose=0, callbacks=callbacks
    )
    state.check()
    held_out: dict[str, Any] = {}
    if val_data is not None:
        scores = model.evaluate(val_data, verbose=0, return_dict=True)
        name = "mean_attribute_accuracy" if multilabel else "accuracy"
        held_out = {name: float(scores[metric]), "loss": float(scores["loss"])}
    inference = k.Model(model.inputs, model.outputs, name="classifier")  # without optimizer
    meta = {
        "kind": "classifier",
        "format": FORMAT,
        "dataset": {
            "name": ds.name,
            "fingerprint": ds.fingerprint(),
            "n_images": len(ds),
            "source": ds.source,
        },
        "classes": classes,
        "multilabel": multilabel,
        "input_shape": [int(v) for v in ds.image_shape],
        "split": {
            "validation_split": float(validation_split),
            "seed": int(seed),
            "n_train": int(len(train_idx)),
            "n_val": int(len(val_idx)),
        },
        "training": {
            "epochs_done": watch.epochs_done,
            "batch_size": int(batch_size),
            "seed": int(seed),
        },
        "held_out": held_out,
        "versions": library_versions(),
    }
    classifier = wrap(inference, meta)
    if out is not None:
        save_classifier(out, classifier)
    state.set_progress(1.0, "classifier trained")
    return classifier


def _watcher(k: Any, state: TaskState, epochs: int, steps: int) -> Any:
    """A Keras callback: progress per batch, ``state.check()`` (a stop raises Cancelled)."""

    class Watcher(k.callbacks.Callback):
        epochs_done = 0

        def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
            self._epoch_batch = batch
            state.set_progress(
                (self._epoch * steps + batch + 1) / (epochs * steps),
                f"classifier epoch {self._epoch + 1}/{epochs} batch {batch + 1}/{steps}",
            )
            state.check()

        def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            self._epoch = epoch
            state.check()

        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            self.epochs_done = epoch + 1
            logs = logs or {}
            acc = logs.get("val_accuracy", logs.get("val_binary_accuracy"))
            note = f", held-out accuracy {acc:.3f}" if acc is not None else ""
            state.set_progress((epoch + 1) / epochs, f"classifier epoch {epoch + 1}/{epochs}{note}")

    return Watcher()


def classifier_for(
    ds: Dataset, state: TaskState | None = None, train_if_missing: bool = True
) -> Classifier | None:
    """The classifier that judges images like ``ds``'s: the shipped one for ``mnist-5k``,
    else one cached under ``$XDG_CACHE_HOME/latent-explorer/classifiers/FINGERPRINT``
    (trained there on first use unless ``train_if_missing`` is false); None when ``ds`` has
    no labels (or none is cached and training is not wanted)."""
    if ds.labels is None:
        return None
    shipped = shipped_model(SHIPPED)
    if (shipped / META_FILE).is_file() and shipped_fits(shipped, ds):
        return load_classifier(shipped)
    folder = user_cache_dir("classifiers", ds.fingerprint())
    damaged = ""
    if bundle_ready(folder):
        try:
            return load_classifier(folder)
        except ModelLoadError as exc:  # a damaged cache entry: train it again, and say so
            damaged = f"the cached classifier was damaged ({exc}); discarded and trained again"
            with contextlib.suppress(OSError):
                atomic.remove(folder)
    if not train_if_missing:
        return None
    classifier = train_classifier(ds, out=None, state=state)
    try:
        with atomic.atomic_folder(folder, keep=bundle_ready) as tmp:
            save_classifier(tmp, classifier)
        if bundle_ready(folder):
            classifier = load_classifier(folder)
    except (OSError, ModelLoadError) as exc:  # a full or read-only cache: keep the trained one
        reason = getattr(exc, "strerror", None) or str(exc)
        damaged = "; ".join(
            n
            for n in (damaged, f"could not cache the classifier ({reason}); using it uncached")
            if n
        )
    classifier.note = damaged
    return classifier


def _fmt(shape: Iterable[int]) -> str:
    return "x".join(str(int(v)) for v in shape)
