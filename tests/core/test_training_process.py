"""A training run as the ``latent-explorer train --events-json`` command (how the window runs
its multi-worker worker): its events arrive as the in-process ones do, a stop request ends it
after the current batch with the last complete epoch kept, and its error is the command's
line."""

from __future__ import annotations

import json

import pytest

from explorer.core.errors import ExplorerError
from explorer.core.progress import TaskState
from explorer.core.training.train_options import TrainConfig
from explorer.core.training.training_process import train_in_process
from tests.conftest import TINY


def test_events_then_a_stop_keeps_the_last_complete_epoch(tmp_path):
    out = tmp_path / "bundle"
    config = TrainConfig.from_options(**{**TINY, "kind": "ae", "epochs": 30, "out": str(out)})
    state, events = TaskState(), []

    def on_event(event):
        events.append(event)
        if event["type"] == "epoch":  # stop in the second epoch
            state.request_stop()

    result = train_in_process(config, state, on_event)
    kinds = [e["type"] for e in events]
    assert kinds[0] == "started" and "batch" in kinds and kinds.count("epoch") == 1
    assert result["status"] == "cancelled" and result["epochs_done"] == 1
    assert result["bundle"] == str(out) and [r["epoch"] for r in result["history"]] == [1]
    meta = json.loads((out / "meta.json").read_text())
    assert meta["training"]["epochs_done"] == 1  # the epoch stopped halfway is not kept


def test_the_commands_error_is_one_line(tmp_path):
    config = TrainConfig.from_options(
        **{**TINY, "out": str(tmp_path / "b"), "strategy": "multi-worker",
           "cluster": ["127.0.0.1:1", "127.0.0.1:2"], "worker_index": 1},
    )  # fmt: skip
    config.dataset = str(tmp_path / "missing.npz")  # refused by the command before training
    with pytest.raises(ExplorerError, match=r"missing\.npz: file not found$"):
        train_in_process(config)
