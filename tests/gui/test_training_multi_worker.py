"""The training form's multi-worker strategy (issue 18): the window is worker I of the cluster
given, shows the command line of every other worker, and trains with the worker that runs it.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys

import pytest

from tests.conftest import TINY
from tests.helpers import ROOT
from tests.test_cli_multi_worker import _free_ports


@pytest.fixture
def panel(training_panel):
    return training_panel


def test_the_cluster_fields_and_commands_follow_the_strategy(panel, tmp_path):
    panel.show()
    form = panel.form
    panel.set_options(**TINY, out=str(tmp_path / "b"))
    assert not form.widgets["cluster"].isEnabled() and not panel.cluster.box.isVisible()
    assert panel.cluster_commands() == []
    panel.set_options(strategy="multi-worker")
    assert form.widgets["cluster"].isEnabled() and form.widgets["worker_index"].isEnabled()
    assert panel.cluster.box.isVisible()
    assert not panel.validate_now() and "TF_CONFIG" in panel.message.text()  # no cluster yet
    panel.set_options(cluster=["10.0.0.1:2222", "10.0.0.2:2222", "10.0.0.3:2222"], worker_index=1)
    assert panel.validate_now(), panel.message.text()
    lines = panel.cluster_commands()
    assert [line.rsplit(" ", 1)[1] for line in lines] == ["0", "2"]  # the others' indices
    assert all(line.startswith("latent-explorer train --out ") for line in lines)
    assert "--strategy=multi-worker" in lines[0] and "--cluster=10.0.0.1:2222,10.0.0.2" in lines[0]
    assert panel.cluster.box.toPlainText().splitlines() == lines
    panel.set_options(worker_index=3)
    assert not panel.validate_now() and "outside the cluster of 3" in panel.message.text()


@pytest.mark.slow
def test_the_window_trains_as_the_chief_with_the_command_it_shows(panel, qtbot, tmp_path):
    out = tmp_path / "bundle"
    cluster = [f"127.0.0.1:{p}" for p in _free_ports(2)]
    panel.set_options(
        **{**TINY, "max_images": 128, "validation_split": 0.25}, kind="vae", epochs=2,
        out=str(out), strategy="multi-worker", cluster=cluster, worker_index=0,
    )  # fmt: skip
    assert panel.validate_now(), panel.message.text()
    (line,) = panel.cluster_commands()
    argv = shlex.split(line)
    assert argv[:2] == ["latent-explorer", "train"]
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path))
    other = subprocess.Popen(
        [sys.executable, "-m", "explorer.cli", *argv[1:]], env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    panel.start()
    try:
        assert panel.controller.wait_training(150_000), panel.status.text()
    finally:
        _, err = other.communicate(timeout=60)
    assert other.returncode == 0, err[-2000:]
    assert panel.status.text().startswith("finished: 2 epochs"), panel.status.text()
    # 96 training images: 3 batches of 32 an epoch (16 per worker), every one reached the plot
    assert len(panel.plot.line_data("total_loss", "raw")[0]) == 6
    meta = json.loads((out / "meta.json").read_text())
    assert meta["training"]["distribution"]["workers"] == 2
    assert "worker 1 of 2" in err and "deleted its own copy" in err
    assert not list(tmp_path.glob("latent-explorer-worker*"))
