"""2-D maps (t-SNE, UMAP) in a child process, for large maps computed beside a window.

At 100k+ points some steps of openTSNE's gradient hold the GIL for 0.1-0.2 s now and then
(measured beside a 5 ms probe thread), which freezes a window whose event loop shares the
interpreter (UMAP's numba code was not measured). :func:`run_child` runs a map (the work a
module's ``__main__`` gives :func:`child_main`) in a fresh interpreter instead: the codes go
to it as a ``.npy`` file in a temporary folder, progress comes back as JSON lines on its stdout,
live frames as ``frame.npy`` (replaced atomically, announced by a ``{"frame": iteration}``
line) and the map as another ``.npy``. A stop request kills the child at once (no need to
wait for the next iteration); any way it ends, the child is gone and the folder removed when
the call returns (:class:`~explorer.core.runtime.child_process.ChildProcess` runs it: the
child also ends with its parent, and a folder left by a killed parent goes at the next start).

The child blocks TensorFlow (``sys.modules["tensorflow"] = None``): umap-learn's package
imports it for ParametricUMAP, which would cost 3-30 s, and catches the ImportError.
Starting the child costs about a second (numpy, scikit-learn and openTSNE import), so callers
use it for large inputs only. :func:`explorer.core.stats.maps.project` runs its methods so.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.errors import Cancelled, ExplorerError, InvalidParameter
from explorer.core.progress import TaskState, ensure_state
from explorer.core.runtime.child_process import ChildProcess, end_with_parent, follow_parent

FRAME = "frame.npy"

OnFrame = Callable[[np.ndarray, int], None]


def run_child(
    module: str,
    z: np.ndarray,
    job: dict[str, Any],
    state: TaskState | None = None,
    on_frame: OnFrame | None = None,
    what: str = "map",
) -> tuple[dict[str, Any], np.ndarray]:
    """Run ``python -m MODULE FOLDER JOB_JSON`` on the codes ``z`` (the module's main calls
    :func:`child_main`): ``(the "done" message, the result array)``. Progress goes to
    ``state``, frames to ``on_frame``; a stop kills the child (:class:`Cancelled`), and its
    errors come back as the same exception."""
    state = ensure_state(state)
    state.check()
    with ChildProcess(module, temp_folder=True, stop_grace_s=0.0) as child:
        assert child.folder is not None
        np.save(child.folder / "z.npy", np.ascontiguousarray(z))
        child.start(str(child.folder), json.dumps(job))
        done = _follow(child, state, child.folder, on_frame, what)
        return done, np.load(child.folder / "embedding.npy")


def _follow(
    child: ChildProcess, state: TaskState, folder: Path, on_frame: OnFrame | None, what: str
) -> dict[str, Any]:
    """Relay the child's messages until it reports its result; raise what it raised."""
    for message in child.events(state):
        if "progress" in message:
            state.set_progress(message["progress"], message["message"])
        elif "frame" in message:
            if on_frame is not None and not _newer_frame_waiting(child.waiting()):
                frame = _load_frame(folder / FRAME)
                if frame is not None:
                    on_frame(frame, int(message["frame"]))
        elif "error" in message:
            kind = InvalidParameter if message["error"] == "InvalidParameter" else ExplorerError
            raise kind(message["message"])
        elif "done" in message:
            done: dict[str, Any] = message["done"]
            return done
    if state.stop_requested:  # killed at once
        raise Cancelled(f"{what} cancelled")
    code = child.wait()
    raise ExplorerError(
        f"the {what} process ended without a result (exit {code}): {child.last_error_line()}"
    )


def _newer_frame_waiting(waiting: list[dict[str, Any]]) -> bool:
    """Whether a later frame is announced already among the messages ``waiting`` (read but
    not handled yet): its file replaced this one's."""
    return any("frame" in message for message in waiting)


def _load_frame(path: Path) -> np.ndarray | None:
    """The frame file as float32 (n, 2), or None when it cannot be read (never raises)."""
    try:
        frame = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if frame.ndim != 2 or frame.shape[1] != 2:
        return None
    return np.array(frame, dtype=np.float32, copy=True)


Work = Callable[..., tuple[np.ndarray, dict[str, Any]]]


def child_main(argv: list[str], work: Work) -> int:
    """The child's main: ``work(z, job, state, on_frame) -> (result array, "done" message)``
    on ``FOLDER/z.npy`` with the ``JOB_JSON`` of ``argv``; progress, frames, errors and the
    result go back to :func:`run_child`. TensorFlow is blocked first."""
    # umap-learn imports TensorFlow for ParametricUMAP only
    sys.modules["tensorflow"] = None  # type: ignore[assignment]
    folder, job = Path(argv[0]), json.loads(argv[1])
    follow_parent()  # UMAP prints nothing while it optimises: a broken pipe tells too late
    end_with_parent()  # also where the kernel cannot be asked

    def report(fraction: float, message: str) -> None:
        print(json.dumps({"progress": fraction, "message": message}), flush=True)

    def frame(xy: np.ndarray, iteration: int) -> None:
        tmp = folder / "frame.tmp.npy"
        np.save(tmp, np.asarray(xy, dtype=np.float32))
        os.replace(tmp, folder / FRAME)
        print(json.dumps({"frame": int(iteration)}), flush=True)

    try:
        result, done = work(np.load(folder / "z.npy"), job, TaskState(report), frame)
    except ExplorerError as exc:
        print(json.dumps({"error": type(exc).__name__, "message": str(exc)}), flush=True)
        return 1
    np.save(folder / "embedding.npy", np.asarray(result, dtype=np.float32))
    print(json.dumps({"done": done}), flush=True)
    return 0
