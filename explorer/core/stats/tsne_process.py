"""t-SNE in a child process, for large maps computed beside a window.

At 100k+ points some steps of openTSNE's gradient hold the GIL for 0.1-0.2 s now and then
(measured beside a 5 ms probe thread), which freezes a window whose event loop shares the
interpreter. :func:`tsne_in_child` runs :func:`explorer.core.stats.projection.tsne` in a fresh
interpreter instead: the codes go to it as a ``.npy`` file in a temporary folder, progress
comes back as JSON lines on its stdout, the embedding as another ``.npy``. A stop request
kills the child at once (no need to wait for the next iteration); any way it ends, the
child is gone and the folder removed when the call returns.

Starting the child costs about a second (numpy, scikit-learn and openTSNE import), so
callers use it for large inputs only.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.errors import Cancelled, ExplorerError, InvalidParameter
from explorer.core.progress import TaskState, ensure_state
from explorer.core.stats.projection import TSNEResult

POLL_S = 0.1  # how often a stop request is looked at while the child runs


def tsne_in_child(z: np.ndarray, state: TaskState | None = None, **params: Any) -> TSNEResult:
    """:func:`~explorer.core.stats.projection.tsne` of ``z`` with ``params``, run in a child
    process; the same result, progress and exceptions (``InvalidParameter``, ``Cancelled``)."""
    state = ensure_state(state)
    state.check()
    with tempfile.TemporaryDirectory(prefix="latent-explorer-tsne-") as tmp:
        folder = Path(tmp)
        np.save(folder / "z.npy", np.ascontiguousarray(z))
        package_root = str(Path(__file__).resolve().parents[3])  # the folder holding explorer/
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        with open(folder / "stderr.txt", "w") as stderr:
            proc = subprocess.Popen(
                [sys.executable, "-m", __name__, str(folder), json.dumps(params)],
                stdout=subprocess.PIPE,
                stderr=stderr,
                stdin=subprocess.DEVNULL,
                text=True,
                env=env,
            )
        try:
            done = _follow(proc, state, folder)
            embedding = np.load(folder / "embedding.npy")
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        return TSNEResult(
            embedding=embedding,
            kl_divergence=float(done["kl_divergence"]),
            params=done["params"],
            kl_trace=[tuple(row) for row in done["kl_trace"]],
        )


def _follow(proc: subprocess.Popen, state: TaskState, folder: Path) -> dict:
    """Relay the child's messages until it reports its result; raise what it raised."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)  # end of output: the child has exited

    threading.Thread(target=read, name="tsne-child-reader", daemon=True).start()
    while True:
        if state.stop_requested:
            proc.kill()
            raise Cancelled("t-SNE cancelled")
        try:
            line = lines.get(timeout=POLL_S)
        except queue.Empty:
            continue
        if line is None:
            code = proc.wait()
            stderr = (folder / "stderr.txt").read_text(errors="replace")
            tail = stderr.strip().splitlines()[-1:] or [""]
            raise ExplorerError(
                f"the t-SNE process ended without a result (exit {code}): {tail[0]}"
            )
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue  # a stray print of a library
        if "progress" in message:
            state.set_progress(message["progress"], message["message"])
        elif "error" in message:
            kind = InvalidParameter if message["error"] == "InvalidParameter" else ExplorerError
            raise kind(message["message"])
        elif "done" in message:
            return message["done"]


def _main(argv: list[str]) -> int:
    """The child: ``python -m explorer.core.stats.tsne_process FOLDER PARAMS_JSON``."""
    from explorer.core.stats.projection import tsne

    folder, params = Path(argv[0]), json.loads(argv[1])

    def report(fraction: float, message: str) -> None:
        print(json.dumps({"progress": fraction, "message": message}), flush=True)

    try:
        result = tsne(np.load(folder / "z.npy"), state=TaskState(report), **params)
    except ExplorerError as exc:
        print(json.dumps({"error": type(exc).__name__, "message": str(exc)}), flush=True)
        return 1
    np.save(folder / "embedding.npy", result.embedding)
    done = {
        "kl_divergence": result.kl_divergence,
        "params": result.params,
        "kl_trace": result.kl_trace,
    }
    print(json.dumps({"done": done}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
