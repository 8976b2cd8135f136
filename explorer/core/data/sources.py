"""Data sets: the bundled ``mnist-5k``, Keras' MNIST / Fashion-MNIST, image folders (CelebA)
and ``.npz``/``.npy`` arrays. Images are uint8 in memory or streamed from disk with tf.data;
models see float32 in [0, 1], channels-last.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from explorer.core.data.builtin import BUILTIN, DEFAULT_DATASET
from explorer.core.data.dataset import Dataset, check_shape
from explorer.core.data.imagefiles import open_folder
from explorer.core.data.keras_datasets import load_keras_dataset
from explorer.core.errors import DatasetError
from explorer.core.ranges import COMMON_RANGES, check_range, format_range
from explorer.core.util.imaging import to_uint8
from explorer.core.util.paths import resources_dir

DETECTED_RANGES = COMMON_RANGES[:2]  # of float values; 0..255 is tried for integers
"""Value ranges of float image arrays recognised without ``--data-range``, in this order."""


def open_dataset(
    spec: str | os.PathLike,
    image_shape: tuple[int, int, int] | None = None,
    data_range: tuple[float, float] | None = None,
) -> Dataset:
    """Open a data set by name or path.

    Parameters
    ----------
    spec
        ``mnist-5k``, ``mnist``, ``fashion-mnist``, an image folder, or a ``.npz``/``.npy`` file.
    image_shape
        The model's input (h, w, c). Folders are cropped and resized to it; other data sets
        must already match it.
    data_range
        (LO, HI) of the values of a float ``.npz``/``.npy`` array, mapped to [0, 1]; ``None``
        detects [0, 1] or [-1, 1]. Values outside the range, NaN or inf are refused.
    """
    text = str(spec)
    if data_range is not None:
        data_range = check_range(data_range, "data range")
    if text == DEFAULT_DATASET:
        ds = _mnist_5k()
    elif text in ("mnist", "fashion-mnist"):
        images, labels, names = load_keras_dataset(text)
        ds = Dataset(
            text, images.shape[1:], images=images, labels=labels, label_names=names, source=text
        )
    else:
        path = Path(text).expanduser()
        if path.exists() and not (path.is_dir() or path.is_file()):  # reading would hang
            raise DatasetError(
                f"{path}: not a regular file or a folder (a pipe or a device); "
                "give a folder of images, a .npz or a .npy file"
            )
        if path.is_dir():
            ds = open_folder(path, image_shape or (64, 64, 3))
        elif path.suffix in (".npz", ".npy"):
            ds = _open_arrays(path, data_range)
        elif path.exists():
            raise DatasetError(
                f"{path}: not a data set (expected a folder of images, .npz or .npy)"
            )
        else:
            raise DatasetError(
                f"{text}: no such data set; use {', '.join(BUILTIN)}, an image folder, or a .npz/.npy file"
            )
    if data_range is not None and ds.value_range is None:
        ds.value_note = (
            f"{ds.name}: 8-bit images, --data-range {format_range(data_range, ':')} not used"
        )
    if image_shape is not None:
        check_shape(ds, image_shape)
    return ds


def _mnist_5k() -> Dataset:
    path = resources_dir() / "mnist_5k.npz"
    with np.load(path, allow_pickle=False) as f:
        images, labels = f["images"], f["labels"]
    return Dataset(
        DEFAULT_DATASET,
        images.shape[1:],
        images=images,
        labels=labels,
        label_names=[str(d) for d in range(10)],
        source=str(path),
    )


def _open_arrays(path: Path, data_range: tuple[float, float] | None = None) -> Dataset:
    if not path.exists():
        raise DatasetError(f"{path}: file not found")
    try:
        if path.suffix == ".npy":
            images, labels = np.load(path, allow_pickle=False), None
        else:
            with np.load(path, allow_pickle=False) as f:
                key = next((k for k in ("images", "x", "x_train", "arr_0") if k in f.files), None)
                if key is None:
                    raise DatasetError(
                        f"{path}: no 'images' array inside (found {', '.join(f.files)})"
                    )
                images = f[key]
                lkey = next((k for k in ("labels", "y", "y_train", "arr_1") if k in f.files), None)
                labels = f[lkey] if lkey else None
    except DatasetError:
        raise
    except Exception as exc:  # noqa: BLE001 - any unreadable file becomes one clear message
        raise DatasetError(f"{path}: cannot read arrays ({exc})") from exc
    images, value_range, note = _as_uint8_images(images, path, data_range)
    if labels is not None and len(labels) != len(images):
        raise DatasetError(f"{path}: {len(labels)} labels for {len(images)} images")
    return Dataset(
        path.name,
        images.shape[1:],
        images=images,
        labels=labels,
        source=str(path),
        value_range=value_range,
        value_note=note,
    )


def _as_uint8_images(
    a: np.ndarray, path: Path, data_range: tuple[float, float] | None = None
) -> tuple[np.ndarray, tuple[float, float] | None, str]:
    """``(uint8 images, range mapped from, note)``: uint8 as is; other numbers mapped from
    ``data_range`` (or the detected [0, 1] / [-1, 1]) to 0..255 after checking every value."""
    if a.ndim == 3:
        a = a[..., None]
    if a.ndim != 4 or a.shape[-1] not in (1, 3):
        raise DatasetError(f"{path}: images must be (n, h, w) or (n, h, w, 1|3), got {a.shape}")
    if a.dtype == np.uint8:
        return a, None, ""
    if not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise DatasetError(f"{path}: images must be numbers, got {a.dtype}")
    lo, hi = _image_extremes(a, path)
    if data_range is None:
        how, hint = "detected", "pass --data-range LO:HI (0..255 floats need --data-range 0:255)"
        value_range = _detect_range(lo, hi, np.issubdtype(a.dtype, np.integer))
    else:
        how, hint, value_range = "from --data-range", "pass a wider --data-range", data_range
    _check_inside(lo, hi, value_range, path, hint)
    span = value_range[1] - value_range[0]
    scaled = (np.asarray(a, dtype=np.float32) - np.float32(value_range[0])) / np.float32(span)
    images = to_uint8(scaled)
    kind = "integer" if np.issubdtype(a.dtype, np.integer) else "float"
    note = f"{path.name}: {kind} values in {format_range(value_range)} ({how})"
    return images, value_range, note


def _image_extremes(a: np.ndarray, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Per-image minimum and maximum; :class:`DatasetError` if any image has NaN or inf."""
    flat = a.reshape(len(a), -1)
    if np.issubdtype(a.dtype, np.floating):
        bad = np.flatnonzero(~np.isfinite(flat).all(axis=1))
        if len(bad):
            verb = "contains" if len(bad) == 1 else "contain"
            raise DatasetError(
                f"{path}: {_count_images(len(bad))} {verb} NaN or inf (first: image {bad[0]})"
            )
    if flat.size == 0:
        return np.zeros(len(a)), np.zeros(len(a))
    return flat.min(axis=1).astype(np.float64), flat.max(axis=1).astype(np.float64)


def _inside(lo: np.ndarray, hi: np.ndarray, value_range: tuple[float, float]) -> np.ndarray:
    """Per image: are all its values within ``value_range`` (up to float rounding)?"""
    tol = 1e-6 * (value_range[1] - value_range[0])
    return (lo >= value_range[0] - tol) & (hi <= value_range[1] + tol)


def _detect_range(lo: np.ndarray, hi: np.ndarray, integer: bool) -> tuple[float, float]:
    """The first of :data:`DETECTED_RANGES` (and 0..255 for integers) holding every value,
    else the one the data is nearest to (so the caller's check names the offenders)."""
    candidates = DETECTED_RANGES + (COMMON_RANGES[2:] if integer else ())
    for candidate in candidates:
        if _inside(lo, hi, candidate).all():
            return candidate
    return DETECTED_RANGES[1] if len(lo) and lo.min() < 0 else DETECTED_RANGES[0]


def _check_inside(
    lo: np.ndarray, hi: np.ndarray, value_range: tuple[float, float], path: Path, hint: str
) -> None:
    """Refuse images with values outside ``value_range``: how many, and the first."""
    bad = np.flatnonzero(~_inside(lo, hi, value_range))
    if len(bad):
        verb = "has" if len(bad) == 1 else "have"
        raise DatasetError(
            f"{path}: {_count_images(len(bad))} {verb} values outside "
            f"{format_range(value_range)} (first: image {bad[0]}); {hint}"
        )


def _count_images(n: int) -> str:
    return f"{n} image" if n == 1 else f"{n} images"
