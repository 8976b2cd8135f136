"""A selection of the map saved for later: which images, the images and their codes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import numpy.typing as npt

from explorer.core.errors import InvalidParameter
from explorer.core.util.atomic import write_npz


def write_selection(
    path: str | os.PathLike,
    indices: np.ndarray,
    images: np.ndarray,
    z: np.ndarray,
    labels: np.ndarray | None = None,
    model: str = "",
    dataset: str = "",
) -> Path:
    """Write ``PATH.npz`` (atomically; ``.npz`` is added when missing) with ``indices`` (n,)
    data set indices, ``images`` (n, h, w, c) uint8, ``z`` (n, z_dim) codes (a VAE's means),
    ``labels`` when known, and the ``model`` and ``dataset`` names. Returns the path."""
    indices = np.asarray(indices, dtype=np.int64).reshape(-1)
    images, z = np.asarray(images), np.asarray(z, dtype=np.float32)
    if len(indices) == 0:
        raise InvalidParameter("nothing is selected: there is nothing to export")
    if len(images) != len(indices) or len(z) != len(indices):
        raise InvalidParameter(
            f"a selection needs as many images and codes as indices, got {len(images)}, "
            f"{len(z)} and {len(indices)}"
        )
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    arrays: dict[str, npt.ArrayLike] = {
        "indices": indices,
        "images": images,
        "z": z,
        "model": model,
        "dataset": dataset,
    }
    if labels is not None:
        arrays["labels"] = np.asarray(labels)
    write_npz(path, arrays)
    return path
