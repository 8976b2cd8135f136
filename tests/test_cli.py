"""``latent-explorer train`` and ``info`` end to end, as a user runs them."""

import json
import subprocess
import sys

from tests.helpers import run_cli as cli
from tests.helpers import run_cli_here


def test_train_then_info(tmp_path):
    out = tmp_path / "tiny_ae"
    r = cli(
        "train",
        "--kind",
        "ae",
        "--max-images",
        "128",
        "--epochs",
        "2",
        "--batch-size",
        "32",
        "--filters",
        "8,16,16",
        "--z-dim",
        "3",
        "--out",
        out,
    )
    assert r.returncode == 0, r.stderr
    assert "epoch   2:" in r.stderr and "finished: 2 epochs" in r.stderr
    # the rest in this process (``info`` runs as a user runs it in test_cli_model_files.py)
    r = run_cli_here("info", out)
    assert r.returncode == 0, r.stderr
    assert (
        "kind:            AE" in r.stdout
        and "z_dim:           3" in r.stdout
        and "validation loss:" in r.stdout
    )
    data = json.loads(run_cli_here("info", out, "--json").stdout)
    assert data["epochs"] == 2 and data["input_shape"] == [28, 28, 1]
    r = run_cli_here("train", "--out", out, "--resume", "--epochs", "1")
    assert r.returncode == 0, r.stderr
    assert json.loads(run_cli_here("info", out, "--json").stdout)["epochs"] == 3


def test_bad_options_give_one_line(tmp_path):
    for args in (
        ["train", "--out", tmp_path / "x", "--strides", "3,3,3"],
        ["train", "--out", tmp_path / "x", "--epochs", "0"],
        ["info", tmp_path / "nothing"],
    ):
        r = run_cli_here(*args)
        assert r.returncode == 2
        assert "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "error:" in r.stderr


def test_help_lists_commands_and_the_window():
    r = cli("--help")
    assert r.returncode == 0 and "usage: latent-explorer" in r.stdout
    for command in ("train", "info", "sample", "encode", "analyze", "compare", "reconstruct"):
        assert command in r.stdout
    assert "opens the window" in r.stdout


def test_no_display_gives_one_clear_line():
    import os

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    r = subprocess.run(
        [sys.executable, "-m", "explorer.cli"], capture_output=True, text=True, timeout=120, env=env
    )
    assert r.returncode == 2 and "no display found" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
