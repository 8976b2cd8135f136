"""Run a training as a ``latent-explorer train --events-json`` process and follow its events.

The window trains this way: a training in a process of its own keeps its tracing garbage and
TensorFlow's per-training graphs out of the window's process (their collection stalled the
event loop), and a multi-worker strategy, which TensorFlow makes only before any other work
in a process, needs it anyway: such a training runs exactly what the other machines run. The
JSON lines become the same events as :func:`~explorer.core.training.training.train` sends. A
stop request sends SIGTERM (the command stops after the current batch and keeps the last
complete epoch); if the process has not ended 30 s later it is killed, and so it is at once
while it still starts (nothing to keep yet). The process starts itself again after a lost
worker (a second ``started`` event). The child is run by
:class:`~explorer.core.runtime.child_process.ChildProcess` (it ends with the window too).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from explorer.core.errors import ExplorerError
from explorer.core.progress import TaskState, ensure_state
from explorer.core.runtime.child_process import ChildProcess
from explorer.core.training.train_command import command_arguments
from explorer.core.training.train_options import TrainConfig

KILL_AFTER_S = 30.0


def train_in_process(
    config: TrainConfig,
    state: TaskState | None = None,
    on_event: Callable[[dict], None] | None = None,
) -> dict[str, Any]:
    """Train ``config`` with the command in a child process; returns its ``finished``
    event (``status``, ``bundle``, ``epochs_done``) with the ``history`` of its epochs.
    A stop that had to kill the process (before it started, or 30 s after SIGTERM) returns
    status ``cancelled`` with the epochs it completed. Raises :class:`ExplorerError` with
    the command's own message when it fails."""
    state = ensure_state(state)
    state.check()
    emit = on_event or (lambda event: None)
    history: list[dict] = []
    finished: dict[str, Any] | None = None
    last_epoch: int | None = None  # the last completed epoch's number
    # Until it has started a stop is a kill (it still waits for the other workers: nothing
    # to keep); after that SIGTERM (it stops after the current batch), a kill 30 s later.
    with ChildProcess("explorer.cli", stop_grace_s=0.0) as child:
        child.start("train", *command_arguments(config), "--events-json")
        for event in child.events(state):
            if "type" not in event:
                continue
            if event["type"] == "epoch":
                history.append(event["row"])
                last_epoch = int(event["epoch"])
            elif event["type"] == "started":
                history, child.stop_grace_s = _earlier_history(event), KILL_AFTER_S
            if event["type"] == "finished":
                finished = event
            else:
                emit(event)
        code = child.wait()
        errors = child.stderr_lines
    if finished is None and state.stop_requested:  # killed on the user's stop
        done = None if last_epoch is None else last_epoch + 1
        return {"status": "cancelled", "bundle": str(config.out), "epochs_done": done,
                "history": history}  # fmt: skip
    if code != 0 or finished is None:
        raise ExplorerError(_failure(errors, code))
    finished = {k: v for k, v in finished.items() if k != "type"}
    return {**finished, "history": history}


def _earlier_history(started: dict) -> list[dict]:
    """A resumed training's history before this run (as the in-process ``train`` returns
    the bundle's whole history): the bundle's rows of its first ``initial_epoch`` epochs."""
    if not started.get("initial_epoch"):
        return []
    from explorer.core.model.store import read_meta

    try:
        rows = read_meta(started["bundle"]).get("history", [])
    except ExplorerError:
        return []
    return list(rows[: int(started["initial_epoch"])])


def _failure(errors: list[str], code: int) -> str:
    """The command's own error line ("latent-explorer train: error: ..."), else its last."""
    prefix = "latent-explorer train: error: "
    said = [line[len(prefix) :] for line in errors if line.startswith(prefix)]
    if said:
        return said[-1]
    last = [line for line in errors if line.strip()]
    return f"the training process ended with exit code {code}" + (f": {last[-1]}" if last else "")
