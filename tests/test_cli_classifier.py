"""``latent-explorer classifier`` end to end on a tiny labelled data set, and its errors."""

from __future__ import annotations

import json

import numpy as np

from tests.helpers import run_cli, run_cli_here, tiny_npz


def test_classifier_command_end_to_end(tmp_path):
    data = tiny_npz(tmp_path / "tiny.npz")
    out = tmp_path / "clf"
    proc = run_cli("classifier", "--dataset", data, "--epochs", "2", "--out", out, timeout=300)
    assert proc.returncode == 0, proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert "held-out accuracy" in last and "on 20 images" in last and "2 epochs" in last
    meta = json.loads((out / "meta.json").read_text())
    assert meta["kind"] == "classifier" and meta["dataset"]["n_images"] == 200
    assert (out / "model.keras").is_file()
    again = run_cli_here("classifier", "--dataset", data, "--epochs", "1", "--out", out)
    assert again.returncode == 2 and "--overwrite" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1


def test_classifier_command_errors_are_one_line(tmp_path):
    unlabelled = tiny_npz(tmp_path / "plain.npz", 20, labels=False)
    one_class = tmp_path / "sevens.npz"
    np.savez(one_class, images=np.zeros((40, 28, 28), np.uint8), labels=np.full(40, 7))
    for args, text in (
        (["--dataset", unlabelled], "no labels"),
        (["--dataset", one_class], "every image has label 7; a classifier needs at least two"),
        (["--dataset", tmp_path / "missing.npz"], "file not found"),
        (["--dataset", "mnist-5k", "--epochs", "0"], "--epochs must be at least 1, got 0"),
        (["--dataset", "mnist-5k", "--validation-split", "1.5"], "--validation-split"),
    ):
        proc = run_cli_here("classifier", *args, "--out", tmp_path / "o")
        assert proc.returncode == 2, (args, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1 and text in proc.stderr, proc.stderr
        assert not (tmp_path / "o" / "meta.json").exists()
    (tmp_path / "file").write_text("x")
    proc = run_cli_here("classifier", "--out", tmp_path / "file")
    assert proc.returncode == 2 and "is a file" in proc.stderr
