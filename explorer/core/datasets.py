"""Data sets: the bundled ``mnist-5k``, Keras' MNIST / Fashion-MNIST, image folders (CelebA)
and ``.npz``/``.npy`` arrays. Images are uint8 in memory or streamed from disk with tf.data;
models see float32 in [0, 1], channels-last.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from explorer.core.errors import DatasetError
from explorer.core.paths import resources_dir

BUILTIN = ("mnist-5k", "mnist", "fashion-mnist")
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}
CELEBA_ATTRIBUTES = "list_attr_celeba.txt"


@dataclass
class Dataset:
    """A set of images (uint8 in memory, or files streamed from disk) and optional labels.

    ``labels`` is (n,) for class labels (``label_names`` the class names) or (n, k) of 0/1 for
    binary attributes such as CelebA's 40 (``label_names`` the attribute names).
    """

    name: str
    image_shape: tuple[int, int, int]
    images: np.ndarray | None = None
    files: list[Path] | None = None
    labels: np.ndarray | None = None
    label_names: list[str] | None = None
    source: str = ""
    crop: str = "center"
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.images) if self.images is not None else len(self.files or [])

    @property
    def streamed(self) -> bool:
        return self.images is None

    def image(self, i: int) -> np.ndarray:
        """Image ``i`` as uint8 (h, w, c); a corrupt file raises :class:`DatasetError`."""
        if self.images is not None:
            return self.images[i]
        from explorer.core.imagefiles import read_image

        return read_image(self.files[i], self.image_shape)

    def fingerprint(self) -> str:
        """A short hash that changes when the data changes (for encoding caches)."""
        h = hashlib.sha256(f"{self.name}|{self.image_shape}|{len(self)}".encode())
        if self.images is not None:
            h.update(np.ascontiguousarray(self.images[:: max(1, len(self) // 512)]).tobytes())
        else:
            for f in self.files or []:
                st = f.stat() if f.exists() else None
                h.update(f"{f}|{st.st_size if st else -1}|{st.st_mtime_ns if st else -1}".encode())
        return h.hexdigest()[:16]

    def tf_dataset(
        self,
        batch_size: int,
        indices: np.ndarray | None = None,
        shuffle: bool = False,
        seed: int = 0,
        with_index: bool = False,
    ):
        """A ``tf.data.Dataset`` of float32 image batches (and their indices if asked).

        Folder images are decoded in parallel and prefetched; unreadable files are skipped
        (compare the indices that come out with those that went in to count them).
        """
        from explorer.core.pipeline import make_tf_dataset

        return make_tf_dataset(self, batch_size, indices, shuffle, seed, with_index)


def split_indices(
    n: int, validation_fraction: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic split into sorted (train, validation) index arrays."""
    if not 0.0 <= validation_fraction < 1.0:
        raise DatasetError(f"validation split must be in [0, 1), got {validation_fraction}")
    perm = np.random.default_rng(seed).permutation(n)
    n_val = int(round(n * validation_fraction))
    if n - n_val < 1:
        raise DatasetError(f"a data set of {n} images leaves nothing to train on")
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


def open_dataset(
    spec: str | os.PathLike, image_shape: tuple[int, int, int] | None = None
) -> Dataset:
    """Open a data set by name or path.

    Parameters
    ----------
    spec
        ``mnist-5k``, ``mnist``, ``fashion-mnist``, an image folder, or a ``.npz``/``.npy`` file.
    image_shape
        The model's input (h, w, c). Folders are cropped and resized to it; other data sets
        must already match it.
    """
    text = str(spec)
    if text == "mnist-5k":
        ds = _mnist_5k()
    elif text in ("mnist", "fashion-mnist"):
        from explorer.core.keras_datasets import load_keras_dataset

        images, labels, names = load_keras_dataset(text)
        ds = Dataset(
            text, images.shape[1:], images=images, labels=labels, label_names=names, source=text
        )
    else:
        path = Path(text).expanduser()
        if path.is_dir():
            from explorer.core.imagefiles import open_folder

            ds = open_folder(path, image_shape or (64, 64, 3))
        elif path.suffix in (".npz", ".npy"):
            ds = _open_arrays(path)
        elif path.exists():
            raise DatasetError(
                f"{path}: not a data set (expected a folder of images, .npz or .npy)"
            )
        else:
            raise DatasetError(
                f"{text}: no such data set; use {', '.join(BUILTIN)}, an image folder, or a .npz/.npy file"
            )
    if image_shape is not None:
        check_shape(ds, image_shape)
    return ds


def check_shape(ds: Dataset, image_shape: tuple[int, int, int]) -> None:
    """Raise :class:`DatasetError` if ``ds`` images do not fit a model input of ``image_shape``."""
    if tuple(ds.image_shape) != tuple(image_shape):
        raise DatasetError(
            f"data set {ds.name} has images of {_fmt(ds.image_shape)}, "
            f"but the model expects {_fmt(image_shape)}"
        )


def _fmt(shape) -> str:
    return "x".join(str(int(v)) for v in shape)


def _mnist_5k() -> Dataset:
    path = resources_dir() / "mnist_5k.npz"
    with np.load(path, allow_pickle=False) as f:
        images, labels = f["images"], f["labels"]
    return Dataset(
        "mnist-5k",
        images.shape[1:],
        images=images,
        labels=labels,
        label_names=[str(d) for d in range(10)],
        source=str(path),
    )


def _open_arrays(path: Path) -> Dataset:
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
    images = _as_uint8_images(images, path)
    if labels is not None and len(labels) != len(images):
        raise DatasetError(f"{path}: {len(labels)} labels for {len(images)} images")
    return Dataset(path.name, images.shape[1:], images=images, labels=labels, source=str(path))


def _as_uint8_images(a: np.ndarray, path: Path) -> np.ndarray:
    if a.ndim == 3:
        a = a[..., None]
    if a.ndim != 4 or a.shape[-1] not in (1, 3):
        raise DatasetError(f"{path}: images must be (n, h, w) or (n, h, w, 1|3), got {a.shape}")
    if a.dtype == np.uint8:
        return a
    a = np.asarray(a, dtype=np.float32)
    if np.nanmax(a) > 1.0 + 1e-6:  # 0..255 floats
        a = a / 255.0
    # NaN stays NaN in float data: kept as float32 so a broken file shows up in training.
    if np.isnan(a).any():
        return a
    return np.round(np.clip(a, 0.0, 1.0) * 255.0).astype(np.uint8)


def read_idx_gz(path: Path) -> np.ndarray:
    """Read a gzipped IDX file (the MNIST / Fashion-MNIST format)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)
