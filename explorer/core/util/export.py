"""Atomic exports: figures (PNG/SVG/PDF), TensorBoard Projector TSV, JSON sidecars, ``.npy``.

Every writer goes through :mod:`explorer.core.util.atomic`: a failed write leaves neither the
target nor a temporary file behind, and an existing target is only replaced by a complete file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

import explorer
from explorer.core.errors import InvalidParameter
from explorer.core.util.atomic import atomic_open, atomic_path, write_json
from explorer.core.util.clock import now_iso

FIGURE_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
PNG_DPI = 150
VECTORS_FILE = "vectors.tsv"
METADATA_FILE = "metadata.tsv"


def save_figure(fig: Figure, path: str | os.PathLike, dpi: float = PNG_DPI) -> Path:
    """Save ``fig`` atomically; the format follows the suffix (``.png``, ``.svg``, ``.pdf``).

    PNGs are ``dpi`` dots per inch (150), so their pixel size is the figure size times ``dpi``;
    rasterized artists in SVG/PDF use the same resolution.
    """
    path = Path(path)
    fmt = FIGURE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        names = ", ".join(FIGURE_FORMATS)
        raise InvalidParameter(
            f"cannot save a figure as '{path.name}': the suffix must be one of {names}"
        )
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi)
    return path


def save_figure_all(fig: Figure, stem_path: str | os.PathLike) -> list[Path]:
    """Save ``fig`` as ``stem.png``, ``stem.svg`` and ``stem.pdf``; return the three paths.

    A figure suffix on ``stem_path`` (``plot.png``) is dropped; any other is kept
    (``radius.vae`` gives ``radius.vae.png``).
    """
    stem = Path(stem_path)
    if stem.suffix.lower() in FIGURE_FORMATS:
        stem = stem.with_suffix("")
    return [save_figure(fig, stem.with_name(stem.name + suffix)) for suffix in FIGURE_FORMATS]


def write_projector_tsv(
    directory: str | os.PathLike,
    vectors: np.ndarray,
    labels: np.ndarray | Sequence | None = None,
    label_names: Sequence[str] | None = None,
) -> tuple[Path, Path | None]:
    """Write ``vectors.tsv`` (and ``metadata.tsv``) for the TensorBoard Embedding Projector.

    Parameters
    ----------
    directory : created if missing.
    vectors : ``(n, d)`` finite numbers; written tab-separated without a header, with enough
        digits to read back exactly (9 for float32 and smaller, 17 otherwise).
    labels : ``(n,)`` one label per point, or ``(n, k)`` several label columns, or None.
    label_names : for ``(n,)`` labels, class names: integer label ``c`` is written as
        ``label_names[c]``; the file has a single column and no header (Projector format).
        For ``(n, k)`` labels, the ``k`` column names of the header row (default
        ``label_0 ...``).

    Returns
    -------
    ``(vectors_path, metadata_path)``; ``metadata_path`` is None without labels (no file).
    """
    vectors = _projector_vectors(vectors)
    rows = None if labels is None else _metadata_rows(labels, label_names, vectors.shape[0])
    directory = Path(directory)
    vectors_path, metadata_path = directory / VECTORS_FILE, directory / METADATA_FILE
    fmt = "%.9g" if vectors.dtype.itemsize <= 4 else "%.17g"
    if rows is None:
        with atomic_path(vectors_path) as tmp:
            np.savetxt(tmp, vectors, fmt=fmt, delimiter="\t")
        return vectors_path, None
    with atomic_path(vectors_path) as tmp_vectors, atomic_path(metadata_path) as tmp_metadata:
        tmp_metadata.write_text("".join(line + "\n" for line in rows), encoding="utf-8")
        np.savetxt(tmp_vectors, vectors, fmt=fmt, delimiter="\t")
    return vectors_path, metadata_path


def _projector_vectors(vectors: Any) -> np.ndarray:
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[0] == 0 or vectors.shape[1] == 0:
        raise InvalidParameter(
            f"projector vectors must be (n, d) with n, d >= 1, got {vectors.shape}"
        )
    if vectors.dtype.kind not in "iuf":
        raise InvalidParameter(f"projector vectors must be numbers, got dtype {vectors.dtype}")
    if vectors.dtype.kind != "f":
        vectors = vectors.astype(np.float64)
    if not np.isfinite(vectors).all():
        raise InvalidParameter("projector vectors contain NaN or infinite values")
    return vectors


def _metadata_rows(labels: Any, label_names: Sequence[str] | None, n: int) -> list[str]:
    labels = np.asarray(labels)
    if labels.ndim not in (1, 2) or labels.shape[0] != n:
        raise InvalidParameter(
            f"labels must be ({n},) or ({n}, k) for {n} vectors, got {labels.shape}"
        )
    if labels.ndim == 1:
        return [_cell(_class_name(value, label_names)) for value in labels]
    k = labels.shape[1]
    names = [f"label_{c}" for c in range(k)] if label_names is None else list(label_names)
    if len(names) != k:
        raise InvalidParameter(f"{k} label columns need {k} label names, got {len(names)}")
    header = "\t".join(_cell(str(name)) for name in names)
    return [header] + ["\t".join(_cell(_text(value)) for value in row) for row in labels]


def _class_name(value: Any, label_names: Sequence[str] | None) -> str:
    named = label_names is not None and isinstance(value, np.integer | int)
    if named and label_names is not None and 0 <= int(value) < len(label_names):
        return str(label_names[int(value)])
    return _text(value)


def _text(value: Any) -> str:
    return str(value.item() if isinstance(value, np.generic) else value)


def _cell(text: str) -> str:
    """One metadata cell: no tabs or line breaks, never empty (the Projector skips empty lines)."""
    text = " ".join(text.replace("\t", " ").splitlines()).strip()
    return text or "-"


def write_sidecar(png_path: str | os.PathLike, info: dict[str, Any]) -> Path:
    """Write ``info`` beside a figure as ``<name>.json`` with the app version and UTC time.

    Adds ``"app_version"`` (``explorer.__version__``) and ``"created"`` (ISO 8601, UTC),
    which replace keys of the same name in ``info``. numpy values are converted.
    """
    path = Path(png_path).with_suffix(".json")
    write_json(path, {**info, "app_version": explorer.__version__, "created": now_iso()})
    return path


def save_npy(path: str | os.PathLike, array: np.ndarray) -> Path:
    """Save ``array`` to exactly ``path`` in ``.npy`` format, atomically, without pickles.

    Object arrays are refused with :class:`InvalidParameter` (they need pickling).
    """
    array = np.asarray(array)
    if array.dtype.hasobject:
        raise InvalidParameter(f"cannot save an array of Python objects to {Path(path).name}")
    path = Path(path)
    with atomic_open(path) as handle:
        np.save(handle, array, allow_pickle=False)
    return path
