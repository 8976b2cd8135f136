"""Atomic writes: write beside the target, flush to disk, then rename over it.

A target is only ever replaced by a complete file: the temporary file keeps the target's
suffix (some writers pick the format from it), it is ``fsync``-ed before the rename and the
folder is ``fsync``-ed after it, so a crash or a power cut leaves the old file or the new
one, never a mix. Folders (caches) are written the same way with :func:`atomic_folder`, and a
command's set of output files (a map's npz, csv and png) with :func:`output_set`: all of the
new set or all of the old one.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from explorer.core.errors import IncompleteWrite


@contextlib.contextmanager
def atomic_path(
    target: str | os.PathLike,
    suffix: str | None = None,
    verify: Callable[[Path], str | None] | None = None,
) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it over ``target``.

    Parameters
    ----------
    target : the file to write; its folder is created if missing.
    suffix : suffix of the temporary file (default: ``target``'s).
    verify : called with the temporary path before the rename; returns why the file is not
        complete, or None when it is.

    An exception, an empty or absent temporary file or a reason from ``verify``
    (:class:`IncompleteWrite`) leaves ``target`` untouched and removes the temporary file,
    and any stray file a writer made by appending its own suffix to the temporary name.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = target.suffix if suffix is None else suffix
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{suffix}", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        reason: str | None
        if not tmp_path.is_file() or tmp_path.stat().st_size == 0:
            reason = "the write produced an empty file"
        else:
            reason = verify(tmp_path) if verify is not None else None
        if reason:
            raise IncompleteWrite(f"{target}: {reason}; the previous file, if any, is kept")
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600 files
        fsync_file(tmp_path)
        replace(tmp_path, target)
    except BaseException:
        remove(tmp_path)
        raise
    finally:
        for stray in glob.glob(glob.escape(tmp) + "?*"):  # e.g. np.savez appending ".npz"
            remove(Path(stray))


def temp_pattern(name: str) -> str:
    """Glob pattern of the temporary files :func:`atomic_path` makes for a target ``name``
    (left behind only by a killed process)."""
    stem, suffix = os.path.splitext(name)
    return f".{glob.escape(stem)}.*.tmp{glob.escape(suffix)}"


@contextlib.contextmanager
def atomic_open(
    target: str | os.PathLike, verify: Callable[[Path], str | None] | None = None
) -> Iterator[IO[bytes]]:
    """An open binary file whose bytes replace ``target`` when the block ends without error.

    Writers that add a suffix to a file *name* (``np.savez``) write to the handle instead.
    """
    with atomic_path(target, verify=verify) as tmp, open(tmp, "wb") as handle:
        yield handle


@contextlib.contextmanager
def atomic_folder(
    target: str | os.PathLike, keep: Callable[[Path], bool] | None = None
) -> Iterator[Path]:
    """Yield a new empty folder beside ``target``; on success it becomes ``target`` at once.

    The folder has a unique name, so concurrent writers never share one. Its files are
    ``fsync``-ed, then it is renamed to ``target``. When ``target`` already exists (another
    process finished first) and ``keep(target)`` is true (or ``keep`` is None), the existing
    folder stays and ours is discarded; otherwise the existing one is moved aside and removed.
    Readers see no folder or a complete one.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target.parent.glob(f".{glob.escape(target.name)}.*.tmp"))
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        for path in tmp.iterdir():
            if path.is_file():
                fsync_file(path)
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700 folders
        fsync_dir(tmp)
        _install_folder(tmp, target, keep)
    finally:
        remove(tmp)  # already gone after a successful rename


@contextlib.contextmanager
def output_set(folder: str | os.PathLike, members: Iterable[str] = ()) -> Iterator[Path]:
    """Yield a staging folder for a command's set of output files that belong in ``folder``.

    Write every file of the set into the staging folder under its final name; when the block
    ends without error they are moved into ``folder`` together (renames, which need no disk
    space, after every file is complete and ``fsync``-ed), replacing the previous set, and the
    files named in ``members`` that the new set lacks (an ``OUT.gif`` of an earlier run with
    ``--gif``) are removed, so no file of an older set stays beside the new one. On an
    error nothing in ``folder`` changes: the staging folder is removed, and so is ``folder``
    itself when it was made for this set and holds nothing else. The staging folder lives
    inside ``folder`` (``.out.*.tmp``, the same file system); one a killed process left is
    removed by a later set after an hour.
    """
    folder = Path(folder)
    made = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale(folder.glob(".out.*.tmp"))
    stage = Path(tempfile.mkdtemp(prefix=".out.", suffix=".tmp", dir=folder))
    try:
        yield stage
        entries = sorted(stage.iterdir())
        for path in entries:
            if path.is_file():
                os.chmod(path, 0o666 & ~_umask())
                fsync_file(path)
        fsync_dir(stage)
        for path in entries:  # nothing is moved unless every file can be
            target = folder / path.name
            if path.is_file() and target.is_dir():
                raise IsADirectoryError(errno.EISDIR, "a folder is in the way", str(target))
        for path in entries:
            target = folder / path.name
            if path.is_dir() and target.is_dir():
                remove(target)
            os.replace(path, target)
        for name in set(members) - {path.name for path in entries}:
            remove(folder / name)
        fsync_dir(folder)
    except BaseException:
        remove(stage)
        if made:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty: nothing else was there
        raise
    remove(stage)


STALE_SECONDS = 3600


def _remove_stale(paths: Iterable[Path]) -> None:
    """Delete temporary folders a killed writer left (older than an hour: a live writer's
    folder is younger)."""
    import time

    for path in paths:
        with contextlib.suppress(OSError):
            if time.time() - path.stat().st_mtime > STALE_SECONDS:
                remove(path)


def _install_folder(tmp: Path, target: Path, keep: Callable[[Path], bool] | None) -> None:
    for _ in range(5):
        try:
            os.rename(tmp, target)  # fails on an existing non-empty folder, never merges
        except OSError:
            if not target.exists() and not target.is_symlink():
                raise
            if keep is None or keep(target):
                return
            _discard(target)
        else:
            fsync_dir(target.parent)
            return
    raise IncompleteWrite(f"{target}: other processes keep replacing it; not written")


def _discard(path: Path) -> None:
    """Move ``path`` aside under a unique name (one atomic step), then delete it."""
    trash = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.old")
    try:
        os.rename(path, trash)
    except FileNotFoundError:
        return
    remove(trash)


def replace(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    """``os.replace(src, dst)``, then ``fsync`` the folder so the rename is on disk."""
    os.replace(src, dst)
    fsync_dir(Path(dst).parent)


def remove(path: Path) -> None:
    """Delete a file or a folder tree; missing is fine."""
    with contextlib.suppress(FileNotFoundError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def fsync_file(path: str | os.PathLike) -> None:
    """Flush a file's bytes to the disk."""
    fd = os.open(path, os.O_RDWR if os.name == "nt" else os.O_RDONLY)  # Windows needs write
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: str | os.PathLike) -> None:
    """``fsync`` a folder (its entries); a no-op where folders cannot be opened (Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def unwritable_reason(folder: str | os.PathLike) -> str | None:
    """Why no file can be created in ``folder``, or None when one can.

    A missing ``folder`` is judged by its nearest existing parent, where it would be
    created. The test creates and removes a temporary file: unlike ``os.access`` this is
    right for root, read-only mounts, immutable folders and network file systems.
    """
    path = Path(folder).absolute()
    while not path.exists() and path.parent != path:
        path = path.parent
    if not path.is_dir():
        return f"{path} is a file, not a folder"
    try:
        fd, name = tempfile.mkstemp(prefix=".write-test.", dir=path)
    except OSError as exc:
        return f"{path} is not writable ({exc.strerror or exc})"
    os.close(fd)
    os.unlink(name)
    return None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(target: str | os.PathLike, data: bytes) -> None:
    with atomic_open(target) as handle:
        handle.write(data)


def write_text(target: str | os.PathLike, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))


def to_json(obj: Any, **options: Any) -> str:
    """``obj`` as JSON text, NumPy numbers and arrays and paths included (the one encoder of
    the package's files; ``options`` as :func:`json.dumps`)."""
    return json.dumps(obj, default=_json_default, **options)


def write_json(target: str | os.PathLike, obj: Any) -> None:
    write_text(target, to_json(obj, indent=2, sort_keys=False) + "\n")


def write_npz(target: str | os.PathLike, arrays: dict[str, Any]) -> None:
    """``arrays`` as an ``.npz`` at exactly ``target``, atomically: an existing file is only
    replaced by a complete one that lists every array (the one npz writer of the package)."""
    import numpy as np

    with atomic_open(target, verify=lambda tmp: npz_problem(tmp, arrays)) as handle:
        np.savez(handle, **arrays)


def write_with(
    target: str | os.PathLike,
    writer: Callable[[Path], None],
    verify: Callable[[Path], str | None] | None = None,
) -> None:
    """Call ``writer(tmp_path)`` and rename the result over ``target``."""
    with atomic_path(target, verify=verify) as tmp:
        writer(tmp)


def _json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "__float__"):  # a framework's scalar (a TensorFlow scalar in the logs)
        return float(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def npz_problem(path: str | os.PathLike, names: Iterable[str]) -> str | None:
    """Why ``path`` is not a finished ``.npz`` holding every one of ``names`` (its zip index,
    which lists them, is written last), or None."""
    import zipfile

    import numpy

    try:
        with numpy.load(path, allow_pickle=False) as f:
            missing = set(names) - set(f.files)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        return f"the written file is not a readable .npz ({exc})"
    return f"the arrays {sorted(missing)} are missing from the written file" if missing else None
