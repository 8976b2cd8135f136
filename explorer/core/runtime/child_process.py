"""One runner for the child processes of the core (a training as the command, a large map).

Protocol: the child is ``python -m MODULE ARGS...`` with ``PYTHONPATH`` set so that
``explorer`` imports, stdin closed, and (when asked) a temporary folder of its own as its
working folder. It reports on stdout, one JSON object per line; other lines (a library's
stray print) are skipped. One reader thread queues the objects; :meth:`ChildProcess.events`
hands them over and looks at the caller's :class:`~explorer.core.progress.TaskState` every
:data:`POLL_S`: a stop request sends SIGTERM, then a kill after ``stop_grace_s`` (0 kills at
once, and the events end there). The last :data:`STDERR_LINES` lines of stderr are kept for
the error message.

The child ends with its parent: it calls :func:`follow_parent` first thing (the command
line's ``main`` and :func:`~explorer.core.stats.projection_process.child_main` do), which on
Linux asks the kernel to kill it when its parent ends (``PR_SET_PDEATHSIG``) and elsewhere
starts a watch thread (:func:`end_with_parent`). It is done in the child rather than between
fork and exec (a ``preexec_fn``): that would run Python in a forked copy of a process full
of threads and keep ``subprocess`` from its fast spawn, which matters beside TensorFlow's
gigabytes of mappings. Temporary folders are named ``latent-explorer-child-<pid>-<random>`` and removed
when the call returns; a parent killed with ``kill -9`` leaves its folder behind, which the
next start of any child removes (its pid is gone, or now another process's).
"""

from __future__ import annotations

import collections
import ctypes
import functools
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from explorer.core.progress import TaskState

POLL_S = 0.1  # how often a stop request is looked at while the child runs
STDERR_LINES = 50  # the tail of stderr kept for the error line
FOLDER_PREFIX = "latent-explorer-child-"
OWNER_FILE = "owner-start"  # in the folder: when its owner process started (Linux)
PARENT_ENV = "LATENT_EXPLORER_PARENT_PID"  # the parent's pid, for follow_parent()
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

Event = dict[str, Any]


class ChildProcess:
    """A child ``python -m MODULE``, used as a context manager: entering removes stale
    folders (and makes its own with ``temp_folder``), :meth:`start` starts the child,
    leaving kills it if it still runs, waits for it and removes the folder."""

    def __init__(
        self, module: str, *, temp_folder: bool = False, stop_grace_s: float = 0.0
    ) -> None:
        self.module = module
        self.temp_folder = temp_folder
        self.stop_grace_s = stop_grace_s  # may change while it runs (a training that started)
        self.folder: Path | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._events: queue.Queue[Event | None] = queue.Queue()
        self._stderr: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
        self._readers: list[threading.Thread] = []
        self._ended = False  # stdout reached its end
        self._stop_sent_at: float | None = None
        self._killed = False

    def __enter__(self) -> ChildProcess:
        remove_stale_folders()
        if self.temp_folder:
            self.folder = make_folder()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._proc is not None:
                self.kill()
                self.wait()
        finally:
            if self.folder is not None:
                shutil.rmtree(self.folder, ignore_errors=True)

    def start(self, *args: str) -> None:
        """Start ``python -m MODULE ARGS...`` (in the folder, if there is one)."""
        if self._proc is not None:
            raise RuntimeError("this child was started already")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_package_root(), env.get("PYTHONPATH")]))
        env[PARENT_ENV] = str(os.getpid())
        self._proc = subprocess.Popen(
            [sys.executable, "-m", self.module, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            env=env,
            cwd=self.folder,
        )
        name = self.module.rsplit(".", 1)[-1]
        self._readers = [
            _reader(f"{name}-stdout", self._proc.stdout, self._queue_event),
            _reader(f"{name}-stderr", self._proc.stderr, self._keep_error_line),
        ]
        for reader in self._readers:
            reader.start()

    @property
    def pid(self) -> int:
        return self._running().pid

    def events(self, state: TaskState) -> Iterator[Event]:
        """The child's JSON objects as they come, until its stdout ends. A stop request of
        ``state`` stops the child (:meth:`stop`); after a kill the events end at once."""
        self._running()
        while not self._ended:
            if state.stop_requested and self._stop_sent_at is None:
                self.stop()
            elif (
                self._stop_sent_at is not None
                and time.monotonic() - self._stop_sent_at >= self.stop_grace_s
            ):
                self.kill()
            if self._killed:
                return
            try:
                event = self._events.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if event is None:
                self._ended = True
            else:
                yield event

    def waiting(self) -> list[Event]:
        """The events read already but not handed over yet (looked at, not consumed)."""
        with self._events.mutex:
            return [event for event in self._events.queue if event is not None]

    def stop(self) -> None:
        """SIGTERM now, a kill after ``stop_grace_s`` (by :meth:`events`); at once if 0."""
        self._stop_sent_at = time.monotonic()
        proc = self._running()
        if self.stop_grace_s <= 0:
            self.kill()
        elif proc.poll() is None:
            proc.terminate()

    def kill(self) -> None:
        proc = self._running()
        self._killed = True
        if proc.poll() is None:
            proc.kill()

    def wait(self) -> int:
        """Wait for the child's end: its exit code (negative: the signal that ended it).
        Its stderr is read to its end first (unless a grandchild keeps it open)."""
        code = self._running().wait()
        for reader in self._readers:
            reader.join(timeout=1.0)
        return code

    @property
    def stderr_lines(self) -> list[str]:
        """The last lines the child wrote on stderr."""
        return list(self._stderr)

    def last_error_line(self) -> str:
        """The last non-empty line of stderr ("" if none)."""
        said = [line for line in self._stderr if line.strip()]
        return said[-1] if said else ""

    def _running(self) -> subprocess.Popen[str]:
        if self._proc is None:
            raise RuntimeError("the child was not started")
        return self._proc

    def _queue_event(self, line: str | None) -> None:
        if line is None:
            self._events.put(None)
            return
        event = _json_object(line)
        if event is not None:
            self._events.put(event)

    def _keep_error_line(self, line: str | None) -> None:
        if line is not None:
            self._stderr.append(line.rstrip())


def _reader(
    name: str, stream: IO[str] | None, take: Callable[[str | None], None]
) -> threading.Thread:
    """A thread giving each line of ``stream`` to ``take``, then ``None``; it closes it."""

    def read() -> None:
        assert stream is not None
        try:
            for line in stream:
                take(line)
        finally:
            take(None)
            stream.close()

    return threading.Thread(target=read, name=name, daemon=True)


def _json_object(line: str) -> Event | None:
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return None
    return event if isinstance(event, dict) else None


def _package_root() -> str:
    return str(Path(__file__).resolve().parents[3])  # the folder holding explorer/


# The child ends with its parent.


def follow_parent() -> None:
    """In a child started by :class:`ChildProcess` (``LATENT_EXPLORER_PARENT_PID`` set): end
    when that parent ends. Linux: the kernel sends SIGKILL (``PR_SET_PDEATHSIG``; sent when
    the parent's *thread* that started the child ends, and the callers start and follow
    their child in one blocking call); a parent already gone ends the child at once.
    Elsewhere: :func:`end_with_parent`. Does nothing in a process nobody started so."""
    text = os.environ.get(PARENT_ENV)
    if not text:
        return
    parent = int(text)
    prctl = _prctl()
    if prctl is None:
        end_with_parent()
        return
    prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request: nobody will signal
        os._exit(1)


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's ``prctl`` on Linux, resolved once in the parent (not after fork)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
    prctl.restype = ctypes.c_int
    return prctl


def end_with_parent(poll_s: float = 1.0) -> None:
    """In a child: exit when the parent that started it has gone (killed, crashed), looked at
    every ``poll_s`` by a thread. The portable fallback of the parent-death signal, also for
    a child that prints nothing for long (a broken pipe would tell it only at the end)."""
    parent = int(os.environ.get(PARENT_ENV) or os.getppid())

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


# Temporary folders, removed even after a kill -9 of their owner.


def make_folder() -> Path:
    """A new ``latent-explorer-child-<pid>-<random>`` folder in the system's temporary
    folder, with its owner's start time inside (so a reused pid does not keep it)."""
    folder = Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-"))
    started = _start_time(os.getpid())
    if started is not None:
        (folder / OWNER_FILE).write_text(started)
    return folder


def remove_stale_folders() -> list[Path]:
    """Remove the folders of owners that are gone; returns those removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(tempfile.gettempdir()))
    except OSError:
        return removed
    for entry in entries:
        owner = _owner_pid(entry.name)
        if owner is None or not entry.is_dir(follow_symlinks=False):
            continue
        folder = Path(entry.path)
        if not _owner_alive(owner, folder):
            shutil.rmtree(folder, ignore_errors=True)
            if not folder.exists():
                removed.append(folder)
    return removed


def _owner_pid(name: str) -> int | None:
    if not name.startswith(FOLDER_PREFIX):
        return None
    pid = name[len(FOLDER_PREFIX) :].split("-", 1)[0]
    return int(pid) if pid.isdigit() else None


def _owner_alive(pid: int, folder: Path) -> bool:
    """Whether the process that made ``folder`` still runs; when unsure, yes."""
    if Path("/proc/self/stat").exists():  # Linux: the state and start time say more
        stat = _proc_stat(pid)
        if stat is None or stat[0] in ("Z", "X"):  # gone, or a zombie nobody reaped
            return False
        try:
            recorded = (folder / OWNER_FILE).read_text().strip()
        except OSError:
            return True  # no record (being made right now, or unreadable)
        return recorded == stat[1]
    if os.name == "nt":
        return True  # os.kill(pid, 0) would end the process on Windows
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: someone else's process
        return True
    return True


def _start_time(pid: int) -> str | None:
    stat = _proc_stat(pid)
    return None if stat is None else stat[1]


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """(state, start time in clock ticks after boot) from ``/proc/PID/stat``, or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()  # the name may hold spaces and ")"
    return (fields[0], fields[19]) if len(fields) > 19 else None
