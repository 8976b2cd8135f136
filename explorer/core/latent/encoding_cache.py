"""The encodings cache: one folder per (model, data set, seed) with each array as a float32
``.npy`` file (opened memory-mapped, no pickle) and ``info.json`` written last.

Every entry says what it holds: its row count and, per array, its shape, dtype and CRC-32.
:func:`load_cached` serves an entry only when all of that verifies; an entry that does not
(a missing ``mu.npy``, arrays of different lengths, a corrupt body under a valid header, an
``info.json`` that is not one) raises :class:`CacheDamaged` with the reason, and the caller
encodes again. Entries of an older format are passed over (and replaced) silently.
"""

from __future__ import annotations

import contextlib
import json
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.latent.encodings import ARRAYS, Encodings
from explorer.core.util import atomic

CACHE_FORMAT = 2
INFO_FILE = "info.json"
_CHUNK = 1 << 24


class CacheDamaged(Exception):
    """A cache entry that does not verify; ``str()`` is the reason."""


def save_cached(folder: Path, enc: Encodings) -> None:
    """Write each array as ``.npy`` and ``info.json`` last (with the rows, shapes, dtypes and
    checksums) into a new folder of a unique name, then rename it to ``folder`` in one step
    (:func:`explorer.core.util.atomic.atomic_folder`).

    Readers see no entry or a complete one. Concurrent writers of the same entry all
    succeed: when another process got there first, its complete entry is kept (a damaged one
    is replaced).
    """
    info: dict[str, Any] = {
        "format": CACHE_FORMAT,
        "kind": enc.kind,
        "model_name": enc.model_name,
        "dataset_name": enc.dataset_name,
        "label_names": enc.label_names,
        "skipped": enc.skipped,
        "rows": len(enc),
        "arrays": {},
    }
    with atomic.atomic_folder(folder, keep=_verifies) as tmp:
        for key in ARRAYS:
            value = getattr(enc, key)
            if value is not None:
                array = np.ascontiguousarray(value)
                path = tmp / f"{key}.npy"
                np.save(path, array, allow_pickle=False)
                info["arrays"][key] = {
                    "shape": list(array.shape),
                    "dtype": array.dtype.str,
                    "crc32": file_crc32(path),
                }
        (tmp / INFO_FILE).write_text(json.dumps(info))


def load_cached(folder: Path) -> Encodings | None:
    """The encodings of a cache entry, arrays memory-mapped; ``None`` if there is no entry
    (or one of an older format); :class:`CacheDamaged` if it does not verify."""
    try:
        text = (folder / INFO_FILE).read_text()
    except FileNotFoundError:
        if folder.is_dir() and any(folder.glob("*.npy")):
            raise CacheDamaged(f"{INFO_FILE} is missing") from None
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise CacheDamaged(f"{INFO_FILE} cannot be read ({exc})") from None
    info = _info(text)
    if info is None:
        return None
    arrays = {
        key: _verified(folder, key, spec, info["rows"]) for key, spec in info["arrays"].items()
    }
    return Encodings(
        z=arrays["z"],
        mu=arrays.get("mu"),
        logvar=arrays.get("logvar"),
        labels=arrays.get("labels"),
        indices=arrays.get("indices"),
        label_names=info.get("label_names"),
        kind=info["kind"],
        model_name=info["model_name"],
        dataset_name=info["dataset_name"],
        skipped=int(info.get("skipped") or 0),
    )


def discard(folder: Path) -> None:
    """Remove a damaged entry (left in place when it cannot be removed: a read-only cache)."""
    with contextlib.suppress(OSError):
        atomic.remove(folder)


def file_crc32(path: Path) -> int:
    """CRC-32 of a file's bytes, read in 16 MiB chunks."""
    crc = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
    return crc


def _info(text: str) -> dict[str, Any] | None:
    """``info.json`` checked for what an entry of this format must say (None: an older
    format)."""
    try:
        info = json.loads(text)
    except ValueError as exc:
        raise CacheDamaged(f"{INFO_FILE} is not JSON ({exc})") from None
    if not isinstance(info, dict):
        raise CacheDamaged(f"{INFO_FILE} is not an object")
    if info.get("format") != CACHE_FORMAT:
        return None
    arrays = info.get("arrays")
    keys = ("kind", "model_name", "dataset_name", "rows")
    if not isinstance(arrays, dict) or any(k not in info for k in keys):
        raise CacheDamaged(f"{INFO_FILE} lacks {', '.join(k for k in keys if k not in info)}")
    if not isinstance(info["rows"], int) or info["rows"] < 0:
        raise CacheDamaged(f"{INFO_FILE} has no row count")
    needed = ("z", "mu", "logvar") if info["kind"] == "vae" else ("z",)
    missing = [k for k in needed if k not in arrays]
    if missing:
        raise CacheDamaged(f"{', '.join(missing)} not recorded for a {info['kind'].upper()}")
    if set(arrays) - set(ARRAYS):
        raise CacheDamaged(f"unknown arrays {sorted(set(arrays) - set(ARRAYS))}")
    return info


def _verified(folder: Path, key: str, spec: Any, rows: int) -> np.ndarray:
    """Array ``key`` of the entry, memory-mapped, after checking it against ``spec``."""
    path = folder / f"{key}.npy"
    if not isinstance(spec, dict) or not {"shape", "dtype", "crc32"} <= set(spec):
        raise CacheDamaged(f"{INFO_FILE} does not describe {path.name}")
    shape = tuple(spec["shape"])
    if not shape or shape[0] != rows:
        raise CacheDamaged(f"{path.name} is recorded with {shape[:1]} rows, not {rows}")
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except FileNotFoundError:
        raise CacheDamaged(f"{path.name} is missing") from None
    except (OSError, ValueError, EOFError) as exc:
        raise CacheDamaged(f"{path.name} cannot be read ({exc})") from None
    if array.shape != shape or array.dtype.str != spec["dtype"]:
        raise CacheDamaged(
            f"{path.name} holds {array.dtype.str} {array.shape}, recorded {spec['dtype']} {shape}"
        )
    if file_crc32(path) != spec["crc32"]:
        raise CacheDamaged(f"{path.name} does not match its checksum (a corrupt file)")
    return array


def _verifies(folder: Path) -> bool:
    try:
        return load_cached(folder) is not None
    except CacheDamaged:
        return False
