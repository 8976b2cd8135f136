"""A 2-D map's files: ``embedding.npz``, ``embedding.csv`` and ``map.png``, written atomically.

``embedding.npz`` holds ``xy`` (n, 2) float32, ``index`` (n,) the data set image of every
point, ``labels`` when known, ``method`` (``tsne``, ``umap``, ``pca``) and ``params`` (the
parameters used, as a JSON string); :func:`read_map` reads it back. ``embedding.csv`` has the
columns ``index,x,y,label`` (label empty when unknown or several columns).
"""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.errors import InvalidParameter
from explorer.core.output import plots
from explorer.core.stats.maps import MapResult, get_method
from explorer.core.util import atomic
from explorer.core.util.export import save_figure

NPZ, CSV, PNG = "embedding.npz", "embedding.csv", "map.png"
ARRAYS = ("xy", "index", "method", "params")


def map_indices(result: MapResult, indices: np.ndarray | None = None) -> np.ndarray:
    """The data set index of every point of ``result``: ``indices[result.rows]`` when the
    encodings carry indices (``enc.indices``, one per code), else the rows themselves."""
    rows = np.asarray(result.rows, dtype=np.int64)
    if indices is None:
        return rows
    return np.asarray(indices, dtype=np.int64)[rows]


def write_map(
    out_dir: str | os.PathLike,
    result: MapResult,
    indices: np.ndarray | None = None,
    label_names: Sequence[str] | None = None,
    title: str = "",
) -> list[Path]:
    """Write ``result``'s three files into ``out_dir`` (created if missing); returns them.

    Parameters
    ----------
    indices : data set index of each code the map was made from (``enc.indices``), or None
        when code ``i`` is image ``i``.
    label_names : name of label ``c`` (the legend of the picture).
    title : what was mapped, e.g. ``"mnist_vae on mnist-5k"``: ends the picture's title.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    index = map_indices(result, indices)
    xy = np.asarray(result.xy, dtype=np.float32)
    if xy.shape != (len(index), 2):
        raise InvalidParameter(f"a map needs one (x, y) per point, got shape {xy.shape}")
    arrays: dict[str, Any] = {
        "xy": xy,
        "index": index,
        "method": np.array(result.method),
        "params": np.array(atomic.to_json(result.params)),
    }
    if result.labels is not None:
        arrays["labels"] = np.asarray(result.labels)
    atomic.write_npz(out / NPZ, arrays)
    atomic.write_text(out / CSV, _csv(index, xy, result.labels))
    fig = plots.new_figure(7, 6)
    ax = fig.add_subplot()
    labels = result.labels if result.labels is not None and np.ndim(result.labels) == 1 else None
    plots.draw_map(ax, xy, labels, label_names, result.method)
    name = get_method(result.method).label
    ax.set_title(f"{name} map of {len(xy)} z-points" + (f": {title}" if title else ""))
    png = save_figure(fig, out / PNG)
    return [out / NPZ, out / CSV, png]


def _csv(index: np.ndarray, xy: np.ndarray, labels: np.ndarray | None) -> str:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["index", "x", "y", "label"])
    column = labels if labels is not None and np.ndim(labels) == 1 else None
    for k, (i, (x, y)) in enumerate(zip(index.tolist(), xy.tolist(), strict=True)):
        label = column[k] if column is not None else ""
        label = label.item() if isinstance(label, np.generic) else label
        writer.writerow([i, f"{x:.6g}", f"{y:.6g}", label])
    return text.getvalue()


def read_map(path: str | os.PathLike) -> dict[str, Any]:
    """A map written by :func:`write_map` (its folder or its ``embedding.npz``):
    ``{"xy", "index", "labels" (or None), "method", "params" (a dict)}``."""
    path = Path(path)
    if path.is_dir():
        path = path / NPZ
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in ARRAYS if k not in f.files]
            if missing:
                raise InvalidParameter(f"{path}: not a map file (no {', '.join(missing)})")
            return {
                "xy": f["xy"],
                "index": f["index"],
                "labels": f["labels"] if "labels" in f.files else None,
                "method": str(f["method"]),
                "params": json.loads(str(f["params"])),
            }
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        if isinstance(exc, InvalidParameter):
            raise
        raise InvalidParameter(f"{path}: cannot read the map ({exc})") from None
