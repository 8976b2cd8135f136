"""The child-process runner: JSON events, the stderr line, SIGTERM then kill, the child ending
with its parent, temporary folders removed even after a ``kill -9`` of their owner.

The children are ``tests/core/child_script.py`` (no TensorFlow, no numpy): fast."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from explorer.core.progress import TaskState
from explorer.core.runtime import child_process as cp
from explorer.core.runtime.child_process import ChildProcess, make_folder, remove_stale_folders

SCRIPT = "tests.core.child_script"
ROOT = Path(__file__).resolve().parents[2]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")


@pytest.fixture(autouse=True)
def own_temp_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system's temporary folder is this test's own (stale folders are looked for there)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def follow(
    mode: str, stop_grace_s: float = 0.0, stop_on: str | None = None
) -> tuple[list[dict[str, Any]], int, float]:
    """Run the script in ``mode``, ask for a stop at its ``stop_on`` event: (its events, its
    exit code, seconds from the stop to its end)."""
    state = TaskState()
    events: list[dict[str, Any]] = []
    stopped = time.monotonic()
    with ChildProcess(SCRIPT, stop_grace_s=stop_grace_s) as child:
        child.start(mode)
        for event in child.events(state):
            events.append(event)
            if event["type"] == stop_on:
                state.request_stop()
                stopped = time.monotonic()
        code = child.wait()
    return events, code, time.monotonic() - stopped


def test_json_objects_are_events_other_lines_are_skipped() -> None:
    events, code, _ = follow("events")
    assert code == 0
    assert [e["type"] for e in events] == ["a", "b"] and events[0]["n"] == 1


def test_read_events_wait_without_being_consumed() -> None:
    with ChildProcess(SCRIPT) as child:
        child.start("events")
        assert child.wait() == 0
        waiting = child.waiting()
        assert [e["type"] for e in waiting] == ["a", "b"]
        assert list(child.events(TaskState())) == waiting


def test_the_last_stderr_lines_are_kept_for_the_error() -> None:
    with ChildProcess(SCRIPT) as child:
        child.start("fail")
        assert list(child.events(TaskState())) == []
        assert child.wait() == 3
        assert child.last_error_line() == "boom: the error"
        assert len(child.stderr_lines) == cp.STDERR_LINES
        assert child.stderr_lines[-2] == "noise 79"


def test_a_stop_sends_sigterm_then_kills_after_the_grace() -> None:
    events, code, took = follow("term-noted", stop_grace_s=0.5, stop_on="ready")
    assert [e["type"] for e in events] == ["ready", "term"]  # SIGTERM came, and was ignored
    assert code == -signal.SIGKILL and 0.5 <= took < 3.0


def test_sigterm_ends_a_child_that_does_not_catch_it() -> None:
    events, code, took = follow("sleep", stop_grace_s=10.0, stop_on="ready")
    assert [e["type"] for e in events] == ["ready"]
    assert code == -signal.SIGTERM and took < 3.0


def test_no_grace_kills_at_once() -> None:
    events, code, took = follow("term-noted", stop_grace_s=0.0, stop_on="ready")
    assert [e["type"] for e in events] == ["ready"]  # no SIGTERM before the kill
    assert code == -signal.SIGKILL and took < 1.0


def test_the_child_works_in_its_own_folder_removed_any_way_the_call_ends(tmp_path: Path) -> None:
    with ChildProcess(SCRIPT, temp_folder=True) as child:
        assert child.folder is not None and child.folder.parent == tmp_path
        assert child.folder.name.startswith(f"latent-explorer-child-{os.getpid()}-")
        child.start("events")
        events = list(child.events(TaskState()))
    assert Path(events[1]["cwd"]) == child.folder and not child.folder.exists()
    with pytest.raises(RuntimeError), ChildProcess(SCRIPT, temp_folder=True) as child:
        child.start("sleep")
        raise RuntimeError("the caller failed")
    assert child.folder is not None and not child.folder.exists()


def _reaped_pid() -> int:
    """The pid of a process that ended and was waited for: no process has it (for now)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_folders_go_at_the_next_start_live_ones_stay(tmp_path: Path) -> None:
    dead = tmp_path / f"latent-explorer-child-{_reaped_pid()}-abc"
    dead.mkdir()
    (dead / "z.npy").write_bytes(b"x")
    mine = make_folder()
    unrelated = tmp_path / "latent-explorer-map-xyz"
    unrelated.mkdir()
    with ChildProcess(SCRIPT):
        pass
    assert not dead.exists() and mine.exists() and unrelated.exists()


@linux_only
def test_a_reused_pid_does_not_keep_a_folder(tmp_path: Path) -> None:
    reused = tmp_path / f"latent-explorer-child-{os.getpid()}-abc"  # a live pid, but...
    reused.mkdir()
    (reused / cp.OWNER_FILE).write_text("12345")  # ...another process's start time
    unrecorded = tmp_path / f"latent-explorer-child-{os.getpid()}-def"  # being made now
    unrecorded.mkdir()
    assert remove_stale_folders() == [reused]
    assert unrecorded.exists()


PARENT = """
import json, sys
from explorer.core.progress import TaskState
from explorer.core.runtime import child_process as cp
with cp.ChildProcess("tests.core.child_script", temp_folder=True) as child:
    child.start(sys.argv[1])
    for event in child.events(TaskState()):
        print(json.dumps({**event, "folder": str(child.folder)}), flush=True)
"""


@linux_only
@pytest.mark.parametrize("mode", ["sleep", "watch"], ids=["pdeathsig", "watch-thread"])
def test_the_child_dies_with_its_parent_and_its_folder_goes_later(
    mode: str, tmp_path: Path
) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, mode], stdout=subprocess.PIPE, text=True, env=env
    )
    assert parent.stdout is not None
    try:
        ready, _, _ = select.select([parent.stdout], [], [], 30.0)
        assert ready, "the parent did not report its child"
        event = json.loads(parent.stdout.readline())
    finally:
        parent.kill()  # kill -9
        parent.wait()
    pid, folder = event["pid"], Path(event["folder"])
    assert folder.parent == tmp_path and folder.exists()
    deadline = time.monotonic() + 5.0
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(pid), f"the child {pid} outlived its parent"
    with ChildProcess(SCRIPT):  # the next start removes the folder left behind
        pass
    assert not folder.exists()


def _gone(pid: int) -> bool:
    stat = cp._proc_stat(pid)
    return stat is None or stat[0] in ("Z", "X")
