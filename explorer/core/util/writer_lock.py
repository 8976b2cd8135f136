"""One writer at a time for a folder that a long job writes into (a bundle being trained).

:func:`writer_lock` holds an exclusive ``flock`` on ``FOLDER/.writer.lock`` for the whole job
and writes who holds it (process id, host, command line, start time) into that file. A
second writer does not wait: it gets :class:`FolderBusy`, one line naming the running
process. The holder removes the file when it is done; the kernel releases the lock when the
holder ends however it ends (``kill -9`` included), so a lock file left behind by a crash
blocks nobody (the next writer takes it, then removes it). Readers never take the lock.
Without ``fcntl`` (Windows) or on a file system without locks, the lock counts as taken.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from explorer.core.errors import ExplorerError

LOCK_NAME = ".writer.lock"


class FolderBusy(ExplorerError):
    """Another process is writing into the folder (its message names that process)."""


@contextlib.contextmanager
def writer_lock(folder: str | os.PathLike, what: str = "a training") -> Iterator[None]:
    """Hold the writer's lock of ``folder`` (created if missing) while the block runs;
    :class:`FolderBusy` when another process holds it. The lock file is removed when the
    block ends, and the folder too when the lock made it and nothing was written there."""
    folder = Path(folder)
    made = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    fd = _locked_file(path)
    if fd is None:
        raise FolderBusy(f"{folder}: {what} is already writing there ({holder(folder)})")
    try:
        _write_holder(fd)
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()  # still locked: a writer that opened it meanwhile retries
        os.close(fd)  # releases the lock
        if made:  # a job that wrote nothing leaves no empty folder behind
            with contextlib.suppress(OSError):
                folder.rmdir()


def _locked_file(path: Path) -> int | None:
    """A descriptor of ``path`` with its exclusive lock, or None when another process holds
    it. A file its holder removed between our open and our lock is not the lock any more:
    open the new one."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if not _try_lock(fd):
            os.close(fd)
            return None
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


def ensure_free(folder: str | os.PathLike, what: str = "a training") -> None:
    """:class:`FolderBusy` when a writer holds ``folder``'s lock now (nothing is created or
    kept: a check before the work, which takes the lock itself)."""
    path = Path(folder) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # no lock file (or no folder): nobody writes there
        return
    try:
        if not _try_lock(fd, shared=True):
            raise FolderBusy(f"{folder}: {what} is already writing there ({holder(folder)})")
    finally:
        os.close(fd)


def holder(folder: str | os.PathLike) -> str:
    """Who holds (or last held) the lock, as a phrase: ``process 1234 on host, started
    12:03:04: latent-explorer train ...``."""
    try:
        info = json.loads((Path(folder) / LOCK_NAME).read_text())
        started = time.strftime("%H:%M:%S", time.localtime(float(info["started"])))
        return f"process {info['pid']} on {info['host']}, started {started}: {info['command']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


def _try_lock(fd: int, shared: bool = False) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here
        return True
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:  # a file system without locks (some network mounts): go on
        return True
    return True


def _write_holder(fd: int) -> None:
    command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else "python"
    info = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
    data = json.dumps({**info, "command": command[:300]}).encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)
