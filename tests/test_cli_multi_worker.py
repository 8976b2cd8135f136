"""Multi-worker training (issue 18): two ``latent-explorer train --strategy multi-worker``
processes on this machine, on loopback ports the test picks, train the ``mnist`` VAE for two
short epochs on at most 256 images.

What the two-worker runs must show: only the chief writes a bundle (the other worker's folder
is gone at the end), the loss curve is that of one process with the same global batch and
seed, and a worker killed in the middle of epoch 2 and started again resumes from epoch 1
instead of starting over. Each worker is a fresh interpreter (TensorFlow's multi-worker
strategy must be made before any other TensorFlow work); the temporary folder of the workers
(``TMPDIR``) is the test's own, so that what a worker leaves behind is seen.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import ROOT, run_cli_here

# 224 training images = 7 batches of 32 (16 per replica), 32 validation images: every batch
# splits evenly between the two workers (Keras 3.15 cannot train on an uneven first batch of
# a distributed step, and an empty one crashes on the CPU; see test_mirrored_celeba64.py)
TRAIN = ["--dataset", "mnist-5k", "--max-images", "256", "--validation-split", "0.125",
         "--batch-size", "32", "--epochs", "2", "--seed", "3", "--events-json"]  # fmt: skip
# The killed worker's run: 120 training images (4 batches of 32) and 13 held out: an epoch to
# keep and one to interrupt, at little cost (each batch is a round trip between the workers).
# 13 held-out images do not split over two workers (it crashed in evaluation with a collective
# shape mismatch): one is left out, the same on both, and the start notes say so.
KILLED = ["--dataset", "mnist-5k", "--max-images", "133", "--validation-split", "0.1",
          "--batch-size", "32", "--epochs", "2", "--seed", "3", "--events-json"]  # fmt: skip
UNEVEN_NOTE = (
    "multi-worker: 1 held-out image left out, so that every batch splits evenly over the 2 "
    "replicas (the same images on every worker)"
)
TIMEOUT_S = 150


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _start(tmp: Path, *args: str, log: str, train: list[str] = TRAIN) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp / "tmp"))
    env.pop("TF_CONFIG", None)
    (tmp / "tmp").mkdir(exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "explorer.cli", "train", *train, *args],
        stdout=open(tmp / f"{log}.out", "w"),  # noqa: SIM115 - closed with the process
        stderr=open(tmp / f"{log}.err", "w"),  # noqa: SIM115
        env=env,
    )


def _events(tmp: Path, log: str) -> list[dict]:
    lines = (tmp / f"{log}.out").read_text().splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def _wait(procs: list[subprocess.Popen], tmp: Path, logs: list[str]) -> None:
    for proc, log in zip(procs, logs, strict=True):
        try:
            code = proc.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired as exc:
            for p in procs:
                p.kill()
            err = (tmp / f"{log}.err").read_text()[-2000:]
            raise AssertionError(f"{log} did not finish: {err}") from exc
        assert code == 0, f"{log}: exit {code}: {(tmp / f'{log}.err').read_text()[-2000:]}"


def _batch_losses(events: list[dict]) -> np.ndarray:
    return np.array([e["logs"]["batch_total_loss"] for e in events if e["type"] == "batch"])


def _history(bundle: Path) -> list[dict]:
    return json.loads((bundle / "meta.json").read_text())["history"]


def _cluster(ports: list[int]) -> str:
    return ",".join(f"127.0.0.1:{p}" for p in ports)


@pytest.mark.slow
def test_two_workers_write_one_bundle_with_the_one_process_loss_curve(tmp_path):
    cluster = _cluster(_free_ports(2))
    out = tmp_path / "bundle"
    workers = [
        _start(tmp_path, "--out", str(out), "--strategy", "multi-worker", "--cluster", cluster,
               "--worker-index", str(i), log=f"worker{i}")
        for i in range(2)
    ]  # fmt: skip
    # the one-process run in this process (its TensorFlow is loaded), while the workers train
    alone = run_cli_here("train", *TRAIN, "--out", tmp_path / "alone", "--strategy", "one-device")
    assert alone.returncode == 0, alone.stderr[-2000:]
    (tmp_path / "alone.out").write_text(alone.stdout)
    _wait(workers, tmp_path, ["worker0", "worker1"])

    # only the chief's bundle: worker 1 wrote into its own temporary folder and deleted it
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["alone", "bundle", "tmp"]
    assert list((tmp_path / "tmp").glob("latent-explorer-worker*")) == []
    started = [_events(tmp_path, f"worker{i}")[0] for i in range(2)]
    assert started[0]["bundle"] == str(out) and started[1]["bundle"] != str(out)
    assert [s["workers"] for s in started] == [2, 2] and started[0]["replicas"] == 2
    meta = json.loads((out / "meta.json").read_text())
    assert meta["training"]["distribution"] == {
        "strategy": "multi-worker", "requested": "multi-worker", "workers": 2, "replicas": 2,
        "cluster": cluster.split(","),
    }  # fmt: skip
    assert meta["training"]["epochs_done"] == 2 and meta["dataset"]["n_train"] == 224

    # the same global batches from the same weights: the loss curve of one process. What
    # differs is the VAE's sampling noise: each replica draws its own eps for its half of the
    # batch. At the first step that is at most 0.1% of the loss; over the first epoch it stays
    # below 1%, and by the end of the second it has compounded to a few percent per batch
    # (3-4% measured) and below 1% on the epoch means. An AE has no noise and matches to float
    # precision. The curve falls by more than 10% over these two epochs, and another set of
    # images per step moves the first epoch's batches by more than the 1% allowed there.
    one, two = (
        _batch_losses(_events(tmp_path, "alone")),
        _batch_losses(_events(tmp_path, "worker0")),
    )
    assert len(one) == len(two) == 14
    gap = np.abs(two - one) / one
    assert gap[0] < 0.002 and np.all(gap[:7] < 0.01) and np.all(gap < 0.08), gap
    assert one[-1] < 0.9 * one[0]
    for a, b in zip(_history(tmp_path / "alone"), _history(out), strict=True):
        for key in ("total_loss", "val_total_loss"):
            assert abs(a[key] - b[key]) / a[key] < 0.03, (key, a, b)


@pytest.mark.slow
def test_a_killed_worker_started_again_resumes_the_completed_epoch(tmp_path):
    cluster = _cluster(_free_ports(2))
    out = tmp_path / "bundle"
    args = ["--out", str(out), "--strategy", "multi-worker", "--cluster", cluster]
    chief = _start(tmp_path, *args, "--worker-index", "0", log="chief", train=KILLED)
    worker = _start(tmp_path, *args, "--worker-index", "1", log="worker", train=KILLED)
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:  # kill worker 1 in the middle of the second epoch
        batches = [e for e in _events(tmp_path, "worker") if e["type"] == "batch"]
        if any(e["epoch"] == 1 and e["batch"] >= 1 for e in batches):
            break
        assert worker.poll() is None and chief.poll() is None, "a worker ended early"
        time.sleep(0.1)
    # stopped first: from then on neither worker finishes a step (each waits for the other's
    # gradients), so epoch 2 cannot end before the kill, however late it comes
    worker.send_signal(signal.SIGSTOP)
    time.sleep(0.5)
    worker.kill()
    worker.wait()
    before = _history(out)
    assert [row["epoch"] for row in before] == [1]  # the chief's checkpoint of epoch 1

    while "starting again" not in (tmp_path / "chief.err").read_text():  # the chief notices
        assert chief.poll() is None and time.monotonic() < deadline, (
            tmp_path / "chief.err"
        ).read_text()[-2000:]
        time.sleep(0.2)
    err = (tmp_path / "chief.err").read_text()
    assert "another worker stopped answering" in err and "epoch 1 is kept" in err
    worker = _start(tmp_path, *args, "--worker-index", "1", log="worker again", train=KILLED)
    _wait([chief, worker], tmp_path, ["chief", "worker again"])

    starts = [e for e in _events(tmp_path, "chief") if e["type"] == "started"]
    assert [s["initial_epoch"] for s in starts] == [0, 1]  # started again at epoch 2
    assert all(UNEVEN_NOTE in s["notes"] for s in starts), starts[0]["notes"]
    assert _events(tmp_path, "worker again")[0]["initial_epoch"] == 1
    after = _history(out)
    assert [row["epoch"] for row in after] == [1, 2]
    assert after[0] == before[0]  # the completed epoch was kept, not trained again
    assert after[1]["total_loss"] < after[0]["total_loss"]
    assert all(np.isfinite(row["val_total_loss"]) for row in after)  # evaluated on 12 images
    assert not (out / "worker-backup").exists()  # Keras' backup goes when the training ends
    assert list((tmp_path / "tmp").glob("latent-explorer-worker*")) == []  # worker 1's too


@pytest.mark.parametrize(
    ("tf_config", "says"),
    [
        (None, "TF_CONFIG is not set"),
        ("{not json", "TF_CONFIG is not valid JSON"),
        ('{"cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}, "task": {"type": "worker", '
         '"index": 2}}', "task is worker 2, outside the cluster of 2"),
        ('{"cluster": {"worker": ["127.0.0.1:1"], "ps": ["127.0.0.1:3"]}, "task": {"type": '
         '"worker", "index": 0}}', "names the job(s) ps"),
        ('{"cluster": {"worker": ["localhost"]}, "task": {"type": "worker", "index": 0}}',
         "is not host:port"),
    ],
)  # fmt: skip
def test_a_missing_or_malformed_tf_config_is_one_line_before_training(
    tmp_path, monkeypatch, tf_config, says
):
    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", tf_config)
    out = tmp_path / "bundle"
    proc = run_cli_here("train", "--dataset", "mnist-5k", "--out", out, "--strategy",
                        "multi-worker")  # fmt: skip
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], proc.stderr
    assert not out.exists()  # nothing was written, nothing trained


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--cluster", "127.0.0.1:1,127.0.0.1:2"], "give --worker-index I"),
        (["--cluster", "127.0.0.1:1,127.0.0.1:2", "--worker-index", "2"],
         "--worker-index 2 is outside the cluster of 2 workers"),
        (["--cluster", "127.0.0.1:1,127.0.0.1:1", "--worker-index", "0"], "names a worker twice"),
        (["--cluster", "127.0.0.1:99999", "--worker-index", "0"], "is not host:port"),
    ],
)  # fmt: skip
def test_bad_cluster_flags_are_one_line(tmp_path, args, says):
    proc = run_cli_here("train", "--dataset", "mnist-5k", "--out", tmp_path / "b", "--strategy",
                        "multi-worker", *args)  # fmt: skip
    assert proc.returncode == 2 and says in proc.stderr and len(proc.stderr.splitlines()) == 1


def test_cluster_flags_without_multi_worker_are_refused(tmp_path):
    proc = run_cli_here("train", "--dataset", "mnist-5k", "--out", tmp_path / "b",
                        "--cluster", "127.0.0.1:1", "--worker-index", "0")  # fmt: skip
    assert proc.returncode == 2 and "are for --strategy multi-worker" in proc.stderr
