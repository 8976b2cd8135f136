"""Training from the window: the script API, exploring the checkpoint, closing mid-training."""

from __future__ import annotations

import os

import pytest
from PySide6.QtWidgets import QProgressBar

from explorer.core.errors import InvalidParameter
from explorer.core.model.store import read_meta
from explorer.gui.training.training_panel import ERROR_STYLE

TINY = {"preset": "mnist", "filters": [8, 16, 16], "max_images": 256, "batch_size": 32, "seed": 0}


def test_train_from_window_then_explore_checkpoint(window, tmp_path, qtbot):
    """The window trains in a child process (``latent-explorer train --events-json``): its
    events arrive as from a thread, its garbage and TensorFlow graphs stay out of the window."""
    out = tmp_path / "w_ae"
    started, epochs = [], []
    window.training.controller.started.connect(started.append)
    window.training.controller.epochCompleted.connect(epochs.append)
    action = window.findChild(type(window.actions_by_key["train"]), "actionTrain")
    assert action.isEnabled()
    action.trigger()
    assert window.stage.current_view() == "training" and window.training.panel.isVisible()
    window.start_training(kind="ae", epochs=1, out=str(out), **TINY)
    panel = window.training.panel
    panel.out.setText(str(out))
    assert not panel.validate_now()  # its own running training's folder: Start is off ...
    assert "already running" in panel.message.text()
    assert panel.message.styleSheet() == ""  # ... shown as a note, not in red
    assert window.wait_training(120_000)
    assert window.wait_idle(60_000)
    # its own finished bundle in the output field: a note (Resume continues it), not red
    assert "already there" in panel.message.text() and panel.message.styleSheet() == ""
    assert panel.resume_button.isEnabled() and not panel.start_button.isEnabled()
    strides = panel.strides.text()
    panel.strides.setText("3,3,3")
    assert not panel.validate_now()
    assert panel.message.styleSheet() == ERROR_STYLE  # a real problem is red
    panel.strides.setText(strides)
    assert read_meta(out)["training"]["epochs_done"] == 1
    assert started and started[0]["pid"] != os.getpid()
    assert [e["epoch"] for e in epochs] == [0] and "total_loss" in epochs[0]["row"]
    assert panel.findChild(QProgressBar, "trainProgress").value() == 1000
    window.training.panel.exploreCheckpoint.emit(str(out), "B")
    assert window.wait_idle(120_000)
    assert window.slots["B"].source == {"spec": str(out)}


def test_a_stop_before_the_process_started_is_a_cancel(window, tmp_path):
    """Stop while the child still imports TensorFlow: it is killed, and the outcome is a
    cancelled training (no error line), the window free for the next one."""
    out = tmp_path / "stopped"
    cancelled, failed = [], []
    window.training.controller.cancelled.connect(cancelled.append)
    window.training.controller.failed.connect(failed.append)
    window.start_training(kind="ae", epochs=1, out=str(out), **TINY)
    window.cancel_training()
    assert window.wait_training(60_000)
    assert not failed and [c["status"] for c in cancelled] == ["cancelled"]
    assert not window.training.controller.busy()


def test_invalid_training_options_are_refused_before_a_thread(window, tmp_path):
    with pytest.raises(InvalidParameter, match="strides"):
        window.start_training(
            kind="vae", epochs=1, out=str(tmp_path / "x"), strides=[3, 3, 3], **TINY
        )
    assert not window.training.controller.busy()


def test_a_bundle_another_process_trains_is_refused_in_one_line(window, tmp_path, lock_holder):
    from explorer.core.util.writer_lock import FolderBusy

    out = tmp_path / "busy"
    proc = lock_holder(out)  # a training of another process (the command line) writes there
    with pytest.raises(FolderBusy, match=rf"already writing there \(process {proc.pid} on "):
        window.start_training(kind="ae", epochs=1, out=str(out), **TINY)
    assert not window.training.controller.busy()
    panel = window.training.panel
    panel.set_options(out=str(out))
    assert not panel.validate_now() and not panel.start_button.isEnabled()
    assert f"(process {proc.pid} on " in panel.message.text()
    panel.set_options(out="")


def test_close_during_training_asks_then_stops(qapp, tmp_path, qtbot, monkeypatch):
    from explorer.gui.tasks.workers import running_threads
    from explorer.gui.window.app import create_window

    before = {id(t) for t in running_threads()}  # the module's shared window, if any
    _, win = create_window([])
    asked = []
    monkeypatch.setattr(win.training, "confirm_close", lambda: asked.append(1) or len(asked) > 1)
    win.start_training(kind="vae", epochs=5, out=str(tmp_path / "long"), **TINY)
    qtbot.waitUntil(lambda: win.training.controller.is_running(), timeout=60_000)
    win.close()  # first answer: No, keep training
    assert win.isVisible() and win.training.controller.busy()
    win.close()  # second answer: Yes
    assert not win.training.controller.busy()
    mine = [t for t in running_threads() if id(t) not in before]
    for thread in mine:
        thread.wait(5000)
    assert not [t for t in running_threads() if id(t) not in before]
