"""MNIST and Fashion-MNIST through the Keras cache (downloaded once where there is a network)."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from explorer.core.errors import DatasetError

FASHION_NAMES = [
    "T-shirt",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]
# ((x_train, y_train), (x_test, y_test)), as keras.datasets' load_data() returns them
_Split = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

_FASHION_FILES = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
]


def keras_cache_dir() -> Path:
    """``$KERAS_HOME/datasets`` (default ``~/.keras/datasets``), where Keras keeps downloads."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets"


def load_keras_dataset(name: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Train and test images of ``mnist`` or ``fashion-mnist`` together, as uint8 (n, 28, 28, 1)."""
    cached = _from_cache(name)
    if cached is None:
        cached = _download(name)
    (x_tr, y_tr), (x_te, y_te) = cached
    images = np.concatenate([x_tr, x_te])[..., None].astype(np.uint8)
    labels = np.concatenate([y_tr, y_te]).astype(np.uint8)
    names = [str(d) for d in range(10)] if name == "mnist" else FASHION_NAMES
    return images, labels, names


def _from_cache(name: str) -> _Split | None:

    cache = keras_cache_dir()
    try:
        if name == "mnist":
            path = cache / "mnist.npz"
            if path.exists():
                with np.load(path, allow_pickle=False) as f:
                    return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
        else:
            folder = cache / "fashion-mnist"
            if all((folder / n).exists() for n in _FASHION_FILES):
                a, b, c, d = (read_idx_gz(folder / n) for n in _FASHION_FILES)
                return (a, b), (c, d)
    except Exception as exc:  # noqa: BLE001
        raise DatasetError(
            f"{name}: the cached copy in {cache} is unreadable ({exc}); delete it"
        ) from exc
    return None


def _download(name: str) -> _Split:
    from explorer.core.runtime.tf_setup import keras

    loader = keras().datasets.mnist if name == "mnist" else keras().datasets.fashion_mnist
    try:
        return loader.load_data()
    except Exception as exc:  # noqa: BLE001 - offline, proxy, disk: all the same to the user
        raise DatasetError(
            f"{name} is not in the Keras cache ({keras_cache_dir()}) and could not be downloaded "
            f"({type(exc).__name__}); connect once to download it, or use mnist-5k"
        ) from exc


def read_idx_gz(path: Path) -> np.ndarray:
    """Read a gzipped IDX file (the MNIST / Fashion-MNIST format)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)
