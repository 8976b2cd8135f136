"""The :class:`Dataset` type that every data source returns, and the checks and splits on it.

A leaf of the data layer: the sources (:mod:`explorer.core.data.sources`), image folders and
the tf.data pipeline import it, never the other way round.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from explorer.core.errors import DatasetError
from explorer.core.util.image_files import read_image


@dataclass
class Dataset:
    """A set of images (uint8 in memory, or files streamed from disk) and optional labels.

    ``labels`` is (n,) for class labels (``label_names`` the class names) or (n, k) of 0/1 for
    binary attributes such as CelebA's 40 (``label_names`` the attribute names).
    ``value_range`` is the (LO, HI) that non-uint8 arrays were mapped from to 0..255 and
    ``value_note`` says so in one line (empty for plain 8-bit data).
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
    value_range: tuple[float, float] | None = None
    value_note: str = ""

    def __len__(self) -> int:
        return len(self.images) if self.images is not None else len(self.files or [])

    @property
    def streamed(self) -> bool:
        return self.images is None

    def image(self, i: int) -> np.ndarray:
        """Image ``i`` as uint8 (h, w, c); a corrupt file raises :class:`DatasetError`."""
        if self.images is not None:
            return self.images[i]
        assert self.files is not None, "a data set has images or files"
        return read_image(self.files[i], self.image_shape)

    def fingerprint(self) -> str:
        """A short hash that changes when the data changes (the key of the encodings,
        classifier and decoded-image caches): every pixel (CRC-32, fast enough for millions
        of images), or for a folder each file's name, size and modification time; the labels
        and their names too, so that cached encodings never carry another labelling."""
        h = hashlib.sha256(f"{self.name}|{self.image_shape}|{len(self)}".encode())
        if self.images is not None:
            h.update(_crc32(self.images).to_bytes(4, "little"))
        else:
            for f in self.files or []:
                st = f.stat() if f.exists() else None
                h.update(f"{f}|{st.st_size if st else -1}|{st.st_mtime_ns if st else -1}".encode())
        if self.labels is not None:
            labels = np.asarray(self.labels)
            h.update(f"|labels {labels.dtype.str} {labels.shape} {self.label_names}|".encode())
            h.update(_crc32(labels).to_bytes(4, "little"))
        return h.hexdigest()[:16]


def _crc32(array: np.ndarray, chunk_bytes: int = 1 << 24) -> int:
    """CRC-32 of an array's bytes, row block by row block (a memory-mapped array is read
    once, never copied whole)."""
    rows = max(1, chunk_bytes // max(1, array[:1].nbytes)) if len(array) else 1
    crc = 0
    for start in range(0, len(array), rows):
        crc = zlib.crc32(np.ascontiguousarray(array[start : start + rows]).data, crc)
    return crc


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


def check_shape(ds: Dataset, image_shape: tuple[int, int, int]) -> None:
    """Raise :class:`DatasetError` if ``ds`` images do not fit a model input of ``image_shape``."""
    if tuple(ds.image_shape) != tuple(image_shape):
        raise DatasetError(
            f"data set {ds.name} has images of {_fmt(ds.image_shape)}, "
            f"but the model expects {_fmt(image_shape)}"
        )


def _fmt(shape: Iterable[int]) -> str:
    return "x".join(str(int(v)) for v in shape)
