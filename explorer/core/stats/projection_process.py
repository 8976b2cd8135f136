"""2-D maps (t-SNE, UMAP) in a child process, for large maps computed beside a window.

At 100k+ points some steps of openTSNE's gradient hold the GIL for 0.1-0.2 s now and then
(measured beside a 5 ms probe thread), which freezes a window whose event loop shares the
interpreter (UMAP's numba code was not measured). :func:`run_child` runs a map (the work a
module's ``__main__`` gives :func:`child_main`) in a fresh interpreter instead: the codes go
to it as a ``.npy`` file in a temporary folder, progress comes back as JSON lines on its stdout,
live frames as ``frame.npy`` (replaced atomically, announced by a ``{"frame": iteration}``
line) and the map as another ``.npy``. A stop request kills the child at once (no need to
wait for the next iteration); any way it ends, the child is gone and the folder removed when
the call returns.

The child blocks TensorFlow (``sys.modules["tensorflow"] = None``): umap-learn's package
imports it for ParametricUMAP, which would cost 3-30 s, and catches the ImportError.
Starting the child costs about a second (numpy, scikit-learn and openTSNE import), so callers
use it for large inputs only. :func:`explorer.core.stats.maps.project` runs its methods so.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.errors import Cancelled, ExplorerError, InvalidParameter
from explorer.core.progress import TaskState, ensure_state

POLL_S = 0.1  # how often a stop request is looked at while the child runs
FRAME = "frame.npy"


def run_child(
    module: str,
    z: np.ndarray,
    job: dict[str, Any],
    state: TaskState | None = None,
    on_frame: Callable[[np.ndarray, int], None] | None = None,
    what: str = "map",
) -> tuple[dict[str, Any], np.ndarray]:
    """Run ``python -m MODULE FOLDER JOB_JSON`` on the codes ``z`` (the module's main calls
    :func:`child_main`): ``(the "done" message, the result array)``. Progress goes to
    ``state``, frames to ``on_frame``; a stop kills the child (:class:`Cancelled`), and its
    errors come back as the same exception."""
    state = ensure_state(state)
    state.check()
    with tempfile.TemporaryDirectory(prefix="latent-explorer-map-") as tmp:
        folder = Path(tmp)
        np.save(folder / "z.npy", np.ascontiguousarray(z))
        package_root = str(Path(__file__).resolve().parents[3])  # the folder holding explorer/
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        with open(folder / "stderr.txt", "w") as stderr:
            proc = subprocess.Popen(
                [sys.executable, "-m", module, str(folder), json.dumps(job)],
                stdout=subprocess.PIPE,
                stderr=stderr,
                stdin=subprocess.DEVNULL,
                text=True,
                env=env,
            )
        try:
            done = _follow(proc, state, folder, on_frame, what)
            result = np.load(folder / "embedding.npy")
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        return done, result


def _follow(proc: subprocess.Popen, state: TaskState, folder: Path, on_frame, what: str) -> dict:
    """Relay the child's messages until it reports its result; raise what it raised."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)  # end of output: the child has exited

    threading.Thread(target=read, name="map-child-reader", daemon=True).start()
    while True:
        if state.stop_requested:
            proc.kill()
            raise Cancelled(f"{what} cancelled")
        try:
            line = lines.get(timeout=POLL_S)
        except queue.Empty:
            continue
        if line is None:
            code = proc.wait()
            stderr = (folder / "stderr.txt").read_text(errors="replace")
            tail = stderr.strip().splitlines()[-1:] or [""]
            raise ExplorerError(
                f"the {what} process ended without a result (exit {code}): {tail[0]}"
            )
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue  # a stray print of a library
        if not isinstance(message, dict):
            continue
        if "progress" in message:
            state.set_progress(message["progress"], message["message"])
        elif "frame" in message:
            if on_frame is not None and not _newer_frame_waiting(lines):
                frame = _load_frame(folder / FRAME)
                if frame is not None:
                    on_frame(frame, int(message["frame"]))
        elif "error" in message:
            kind = InvalidParameter if message["error"] == "InvalidParameter" else ExplorerError
            raise kind(message["message"])
        elif "done" in message:
            return message["done"]


def _newer_frame_waiting(lines: queue.Queue) -> bool:
    """Whether a later frame is announced already (its file replaced this one's): the
    queue is looked at, not consumed."""
    with lines.mutex:
        waiting = list(lines.queue)
    return any(line is not None and '"frame"' in line for line in waiting)


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
    sys.modules["tensorflow"] = None  # umap-learn imports it for ParametricUMAP only
    folder, job = Path(argv[0]), json.loads(argv[1])
    _end_with_parent()

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


def _end_with_parent(poll_s: float = 1.0) -> None:
    """End this child when its parent has gone (killed, crashed): UMAP prints nothing while
    it optimises, so a broken pipe would tell it only at the end."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(poll_s)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
