"""The z-points of a data set (:class:`Encodings`): what encoding gives, the cache keeps and
the analyses read."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from explorer.core.util import atomic

ARRAYS = ("z", "mu", "logvar", "labels", "indices")


@dataclass
class Encodings:
    """z-points of a data set: ``z`` always; ``mu``/``logvar`` for a VAE; ``labels`` when the
    data set has them; ``indices`` of the data set images they belong to (skipped files are
    absent)."""

    z: np.ndarray
    mu: np.ndarray | None = None
    logvar: np.ndarray | None = None
    labels: np.ndarray | None = None
    indices: np.ndarray | None = None
    label_names: list[str] | None = None
    kind: str = "ae"
    model_name: str = ""
    dataset_name: str = ""
    skipped: int = 0
    note: str = ""  # one line to say (a damaged cache entry encoded again); not saved

    def __len__(self) -> int:
        return len(self.z)

    def save_npz(self, path: str | os.PathLike) -> None:
        """Write z (and mu, logvar, labels, indices) in ``.npz`` format to exactly ``path``.

        Atomic: an existing file is only replaced by a complete one that lists every array.
        """
        arrays = {k: np.asarray(getattr(self, k)) for k in ARRAYS if getattr(self, k) is not None}
        atomic.write_npz(path, arrays)
