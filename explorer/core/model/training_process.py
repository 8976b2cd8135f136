"""Run a training as a ``latent-explorer train --events-json`` process and follow its events.

The window trains in a thread of its own process, where TensorFlow is already running (the
slots' models): too late for a multi-worker strategy, which TensorFlow only makes before any
other work in a process. Such a training runs as the command instead, exactly what the other
machines run; its JSON lines become the same events as :func:`~explorer.core.model.training.train`
sends. A stop request sends SIGTERM (the command stops after the current batch and keeps the
last complete epoch); if the process has not ended 30 s later it is killed, and so it is at
once while it still waits for the other workers (nothing to keep yet). The process
starts itself again after a lost worker (a second ``started`` event).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from explorer.core.errors import ExplorerError
from explorer.core.model.train_options import TrainConfig, command_arguments
from explorer.core.progress import TaskState, ensure_state

POLL_S = 0.1
KILL_AFTER_S = 30.0


def train_in_process(
    config: TrainConfig,
    state: TaskState | None = None,
    on_event: Callable[[dict], None] | None = None,
) -> dict[str, Any]:
    """Train ``config`` with the command in a child process; returns its ``finished``
    event (``status``, ``bundle``, ``epochs_done``) with the ``history`` of its epochs.
    Raises :class:`ExplorerError` with the command's own message when it fails."""
    state = ensure_state(state)
    state.check()
    emit = on_event or (lambda event: None)
    package_root = str(Path(__file__).resolve().parents[3])  # the folder holding explorer/
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    argv = [
        sys.executable,
        "-m",
        "explorer.cli",
        "train",
        *command_arguments(config),
        "--events-json",
    ]
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, bufsize=1
    )
    lines: queue.Queue[str | None] = queue.Queue()
    errors: list[str] = []
    threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
    threading.Thread(target=_pump_into, args=(proc.stderr, errors), daemon=True).start()
    history: list[dict] = []
    finished: dict[str, Any] | None = None
    stopping_since: float | None = None
    started = False
    try:
        while True:
            try:
                line = lines.get(timeout=POLL_S)
            except queue.Empty:
                line = ""
            if line is None:
                break
            event = _event(line)
            if event is not None:
                if event["type"] == "epoch":
                    history.append(event["row"])
                elif event["type"] == "started":
                    history, started = [], True
                if event["type"] == "finished":
                    finished = event
                else:
                    emit(event)
            if state.stop_requested and stopping_since is None:
                stopping_since = time.monotonic()
                if started:  # stop after the current batch, keep the last checkpoint
                    proc.send_signal(signal.SIGTERM)
                else:  # still waiting for the other workers: nothing to keep
                    proc.kill()
            elif stopping_since is not None and time.monotonic() - stopping_since > KILL_AFTER_S:
                proc.kill()
    finally:
        if proc.poll() is None:
            proc.kill()
        code = proc.wait()
    if code != 0 or finished is None:
        raise ExplorerError(_failure(errors, code))
    finished = {k: v for k, v in finished.items() if k != "type"}
    return {**finished, "history": history}


def _event(line: str) -> dict | None:
    if not line.startswith("{"):
        return None
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return None
    return event if isinstance(event, dict) and "type" in event else None


def _pump(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line.strip())
    lines.put(None)


def _pump_into(stream, out: list[str]) -> None:
    for line in stream:
        out.append(line.rstrip())
        del out[:-50]


def _failure(errors: list[str], code: int) -> str:
    """The command's own error line ("latent-explorer train: error: ..."), else its last."""
    prefix = "latent-explorer train: error: "
    said = [line[len(prefix) :] for line in errors if line.startswith(prefix)]
    if said:
        return said[-1]
    last = [line for line in errors if line.strip()]
    return f"the training process ended with exit code {code}" + (f": {last[-1]}" if last else "")
