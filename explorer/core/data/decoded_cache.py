"""A decoded training cache for image folders: every image decoded, cropped and resized once
into a uint8 ``.npy`` array that later runs read memory-mapped.

Decoding JPEGs is the costly part of streaming a folder such as CelebA (202 599 files);
with the cache each epoch reads ``h*w*c`` bytes per image instead. The cache is keyed by the
folder's fingerprint (file names, sizes, modification times) and the image shape, so a
changed folder or another image size builds a new one, and the stale entry for the same
folder and shape is removed. Layout of one entry ``<root>/<key>/``:

* ``images.npy``: uint8 ``(n_ok, h, w, c)``;
* ``indices.npy``: int64 ``(n_ok,)``, the folder index of each row (unreadable files are
  absent and counted in ``info.json``);
* ``info.json``: written last; an entry without it is incomplete and ignored.

The entry is built in a folder of a unique name and renamed into place
(:func:`explorer.core.util.atomic.atomic_folder`), so a crash or a cancel never leaves a
half-written cache behind, and two processes building the same entry both succeed.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from explorer.core.data.dataset import Dataset
from explorer.core.data.pipeline import UNREADABLE
from explorer.core.errors import Cancelled, DatasetError
from explorer.core.progress import TaskState, ensure_state
from explorer.core.util.atomic import atomic_folder
from explorer.core.util.paths import user_cache_dir

CACHE_FORMAT = 1
INFO = "info.json"


def default_root() -> Path:
    """``$XDG_CACHE_HOME/latent-explorer/decoded`` (default ``~/.cache/...``)."""
    return user_cache_dir("decoded")


def cache_key(ds: Dataset) -> str:
    """Key of ``ds``'s cache entry: folder fingerprint, image shape and crop."""
    text = f"{CACHE_FORMAT}|{ds.fingerprint()}|{tuple(ds.image_shape)}|{ds.crop}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def decoded_dataset(
    ds: Dataset,
    root: str | os.PathLike | None = None,
    state: TaskState | None = None,
    batch_size: int = 256,
) -> Dataset:
    """``ds`` (a folder data set) as a memory-mapped uint8 array, built on first use.

    Returns a :class:`Dataset` whose ``images`` are the cached memmap and whose ``labels`` are
    aligned with its rows; ``extra`` holds ``decoded_cache`` (the entry folder), ``indices``
    (folder index of each row) and ``skipped`` (unreadable files). Progress and cancel go
    through ``state``; a cancel raises :class:`Cancelled` and leaves no entry behind.
    """
    if not ds.streamed:
        raise DatasetError(f"{ds.name}: only image folders need a decoded cache")
    state = ensure_state(state)
    root = Path(root) if root is not None else default_root()
    folder = root / cache_key(ds)
    found = _load(folder, ds)
    if found is not None:
        state.set_progress(1.0, "loaded the decoded image cache")
        return found
    _build(ds, folder, state, batch_size)
    _remove_stale(root, folder, ds)
    found = _load(folder, ds)
    if found is None:  # pragma: no cover - only if the disk changed under us
        raise DatasetError(f"{folder}: the decoded image cache could not be read back")
    return found


def map_indices(cached: Dataset, folder_indices: np.ndarray) -> np.ndarray:
    """Rows of ``cached`` holding the given folder indices (unreadable ones dropped), so a
    split made on the folder selects the same images from the cache."""
    rows_of = np.asarray(cached.extra["indices"], dtype=np.int64)  # ascending
    wanted = np.asarray(folder_indices, dtype=np.int64)
    if len(rows_of) == 0:
        return np.zeros(0, np.int64)
    pos = np.clip(np.searchsorted(rows_of, wanted), 0, len(rows_of) - 1)
    return pos[rows_of[pos] == wanted]


def use_decoded_cache(
    ds: Dataset, train_idx: np.ndarray, val_idx: np.ndarray, state: TaskState | None = None
) -> tuple[Dataset, np.ndarray, np.ndarray, str]:
    """For training: the cached data set, the train/validation split mapped onto it and a
    note (empty when all went well).

    A stop requested while the cache is built returns ``ds`` and the split unchanged (the
    caller sees the stop and trains nothing); the partial cache is removed. So does a cache
    that cannot be written (a full or read-only disk): the training streams the folder
    instead, and the note says why.
    """
    try:
        cached = decoded_dataset(ds, state=state)
    except Cancelled:
        return ds, train_idx, val_idx, ""
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        note = f"could not write the decoded-image cache ({reason}); streaming the folder instead"
        return ds, train_idx, val_idx, note
    return cached, map_indices(cached, train_idx), map_indices(cached, val_idx), ""


def _build(ds: Dataset, folder: Path, state: TaskState, batch_size: int) -> None:
    from explorer.core.data.pipeline import uint8_batches

    n = len(ds)
    with atomic_folder(folder, keep=lambda entry: _load(entry, ds) is not None) as tmp:
        path = tmp / "images.npy"
        header = _create_npy(path, (n, *ds.image_shape))
        row_bytes = int(np.prod(ds.image_shape))
        indices = np.empty(n, dtype=np.int64)
        done = rows = 0
        state.set_progress(0.0, f"decoding {n} images into the cache")
        with open(path, "r+b") as f:
            for x, idx in uint8_batches(ds, batch_size):
                state.check()
                f.seek(header + rows * row_bytes)
                f.write(np.ascontiguousarray(x).tobytes())
                indices[rows : rows + len(idx)] = idx
                rows += len(idx)
                done = int(idx[-1]) + 1 if len(idx) else done
                state.set_progress(done / max(n, 1), f"decoding images {done}/{n}")
            state.check()
            _rewrite_header(f, header, (rows, *ds.image_shape))
            f.truncate(header + rows * row_bytes)
        np.save(tmp / "indices.npy", indices[:rows], allow_pickle=False)
        info = {
            "format": CACHE_FORMAT,
            "source": ds.source,
            "name": ds.name,
            "image_shape": list(ds.image_shape),
            "n_files": n,
            "n_images": rows,
            "skipped": n - rows,
            # why each unreadable file was skipped (the first 100), for later loads to say
            "unreadable": {
                str(i): why for i, why in sorted(ds.extra.get(UNREADABLE, {}).items())[:100]
            },
        }
        (tmp / INFO).write_text(json.dumps(info))


def _create_npy(path: Path, shape: tuple[int, ...]) -> int:
    """Create a uint8 ``.npy`` of ``shape`` (sparse where the filesystem allows) with
    ``open_memmap`` and return its header length."""
    arr = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=shape)
    header = int(arr.offset)
    del arr
    return header


def _rewrite_header(f: BinaryIO, header: int, shape: tuple[int, ...]) -> None:
    """Overwrite a version 1 ``.npy`` header in place with ``shape`` (no longer than the old
    one, since rows are only ever dropped), padded to the same length."""
    f.seek(0)
    head = f.read(header)
    if head[6:8] != b"\x01\x00":  # pragma: no cover - open_memmap writes version 1 here
        raise DatasetError("unexpected .npy header version in the image cache")
    d = ast.literal_eval(head[10:].decode("latin1"))
    d["shape"] = tuple(int(v) for v in shape)
    text = repr(d).encode("latin1")
    room = header - 10 - 1
    if len(text) > room:  # pragma: no cover - fewer rows never need more digits
        raise DatasetError("image cache header does not fit")
    f.seek(10)
    f.write(text + b" " * (room - len(text)) + b"\n")


def _load(folder: Path, ds: Dataset) -> Dataset | None:
    try:  # a broken entry (a list for info.json, a 0-byte .npy) is built again
        info = json.loads((folder / INFO).read_text())
        if not isinstance(info, dict) or info.get("format") != CACHE_FORMAT:
            return None
        images = np.load(folder / "images.npy", mmap_mode="r", allow_pickle=False)
        indices = np.load(folder / "indices.npy", allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if images.ndim != 4 or images.shape[1:] != tuple(ds.image_shape):
        return None
    if indices.ndim != 1 or len(images) != len(indices) or info.get("n_images") != len(images):
        return None
    h, w, c = ds.image_shape
    return Dataset(
        ds.name,
        (h, w, c),
        images=images,
        labels=ds.labels[indices] if ds.labels is not None else None,
        label_names=ds.label_names,
        source=ds.source,
        crop=ds.crop,
        extra={
            **ds.extra,
            "decoded_cache": str(folder),
            "indices": indices,
            "skipped": int(info.get("skipped", 0)),
            UNREADABLE: _reasons(info.get("unreadable")),
        },
    )


def _remove_stale(root: Path, keep: Path, ds: Dataset) -> None:
    """Delete other entries for the same folder and image shape (they are out of date)."""
    for entry in root.iterdir():
        if entry == keep or not entry.is_dir():
            continue
        try:
            info = json.loads((entry / INFO).read_text())
        except (OSError, ValueError):
            continue
        if info.get("source") == ds.source and info.get("image_shape") == list(ds.image_shape):
            shutil.rmtree(entry, ignore_errors=True)


def _reasons(recorded: Any) -> dict[int, str]:
    """The unreadable files' reasons as recorded in ``info.json`` (none when it lacks them)."""
    if not isinstance(recorded, dict):
        return {}
    return {int(i): str(why) for i, why in recorded.items() if str(i).isdigit()}
