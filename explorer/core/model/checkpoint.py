"""Checkpoints of a model bundle that a kill or Ctrl-C cannot tear apart.

``model.keras`` and ``meta.json`` are two files and no file system renames two files at
once, so a checkpoint goes through two "next" files:

1. ``model.next.keras`` is written (atomically, ``fsync``-ed);
2. ``meta.next.json`` is written, naming the new model file's ``model_sha256``;
3. ``model.next.keras`` is renamed to ``model.keras``;
4. ``meta.next.json`` is renamed to ``meta.json``.

:func:`reconcile`, run whenever a bundle is read, finishes or undoes a checkpoint that was
interrupted: a ``meta.next.json`` whose digest matches ``model.next.keras`` (a stop after
step 2) or ``model.keras`` (after step 3) is completed; anything else (before step 2) is
deleted and the previous checkpoint stays. ``model.keras`` and ``meta.json`` therefore always
agree on the epochs. A bundle without next files is neither hashed nor written, so read-only
bundles and bundles from before ``model_sha256`` load as they are.

The writer holds an exclusive ``flock`` on the bundle folder during the four steps. A reader
repairs only when it gets that lock at once; otherwise (a checkpoint in progress, or a
read-only folder) it touches nothing and reads the meta file that describes ``model.keras``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from explorer.core.util import atomic

MODEL_FILE = "model.keras"
META_FILE = "meta.json"

NEXT_MODEL = "model.next.keras"
NEXT_META = "meta.next.json"
DIGEST = "model_sha256"


def read_meta_file(meta_path: Path, bundle: str) -> Any:
    """The JSON of a bundle's ``meta.json``; one :class:`ModelLoadError` line when it is
    missing (``bundle`` says what the folder is not, e.g. "a model bundle") or corrupt."""
    from explorer.core.errors import ModelLoadError

    try:
        return json.loads(meta_path.read_text())
    except FileNotFoundError as exc:
        raise ModelLoadError(f"{meta_path}: missing; {meta_path.parent} is not {bundle}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"{meta_path}: corrupt meta.json ({exc})") from exc


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_checkpoint(folder: str | os.PathLike, model: Any, meta: dict[str, Any]) -> dict:
    """Save ``model`` (a Keras model) and ``meta`` into the bundle ``folder`` (steps 1-4).

    Returns the meta written: ``meta`` plus ``model_sha256`` (``meta`` is not changed).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with _lock(folder, wait=True):
        _repair(folder)
        atomic.write_with(folder / NEXT_MODEL, lambda tmp: model.save(tmp), verify=_check_zip)
        meta = {**meta, DIGEST: file_sha256(folder / NEXT_MODEL)}
        atomic.write_json(folder / NEXT_META, meta)
        atomic.replace(folder / NEXT_MODEL, folder / MODEL_FILE)
        atomic.replace(folder / NEXT_META, folder / META_FILE)
    return meta


def reconcile(folder: str | os.PathLike) -> Path:
    """Finish or undo an interrupted checkpoint in ``folder``; return the meta file to read.

    That is ``meta.json`` except when the repair cannot be made (a read-only folder, or
    another process is writing a checkpoint) and ``model.keras`` is already the new one:
    then ``meta.next.json``, which describes it.
    """
    folder = Path(folder)
    if not _pending(folder):
        return folder / META_FILE
    with _lock(folder, wait=False) as locked:
        if locked:
            try:
                _repair(folder)
                return folder / META_FILE
            except OSError:
                pass  # cannot write here: read without repairing
    return _matching_meta(folder)


def _pending(folder: Path) -> bool:
    """Whether a checkpoint was interrupted (next files, or temporary files of them)."""
    if (folder / NEXT_MODEL).exists() or (folder / NEXT_META).exists():
        return True
    return any(any(folder.glob(atomic.temp_pattern(n))) for n in (NEXT_MODEL, NEXT_META))


def _repair(folder: Path) -> None:
    """Complete the interrupted checkpoint when its meta names a complete model, else undo."""
    next_model, next_meta = folder / NEXT_MODEL, folder / NEXT_META
    digest = _digest(next_meta)
    if digest is not None:
        if next_model.is_file() and file_sha256(next_model) == digest:
            atomic.replace(next_model, folder / MODEL_FILE)  # stopped after step 2
            done = True
        else:
            done = (folder / MODEL_FILE).is_file() and file_sha256(folder / MODEL_FILE) == digest
        if done:
            atomic.replace(next_meta, folder / META_FILE)  # stopped after step 3
    for name in (NEXT_MODEL, NEXT_META):
        atomic.remove(folder / name)  # stopped before step 2: the previous checkpoint stays
        for tmp in folder.glob(atomic.temp_pattern(name)):
            atomic.remove(tmp)


def _matching_meta(folder: Path) -> Path:
    digest = _digest(folder / NEXT_META)
    model = folder / MODEL_FILE
    if digest is not None and model.is_file() and file_sha256(model) == digest:
        return folder / NEXT_META
    return folder / META_FILE


def _digest(meta_path: Path) -> str | None:
    """``model_sha256`` of a meta file; None when it is absent or unreadable."""
    try:
        digest = json.loads(meta_path.read_text()).get(DIGEST)
    except (OSError, ValueError, AttributeError):
        return None
    return digest if isinstance(digest, str) else None


def _check_zip(path: Path) -> str | None:
    return None if zipfile.is_zipfile(path) else "the saved model is not a complete .keras file"


@contextlib.contextmanager
def _lock(folder: Path, wait: bool) -> Iterator[bool]:
    """An exclusive ``flock`` on ``folder`` itself (no lock file, so read-only folders work
    too); yields whether it was taken. Without ``fcntl`` (Windows), or on a file system
    without locks, it counts as taken."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield True
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            locked = True
        except BlockingIOError:
            locked = False
        except OSError:  # a file system without locks (some network mounts): go on
            locked = True
        yield locked
    finally:
        os.close(fd)  # releases the lock
