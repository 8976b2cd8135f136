"""One line, not a traceback (exit 2), for the odd inputs a user gives: a ``meta.json`` that
is not an object or has fields of the wrong type, ``--tensorboard`` on a file or a read-only
place, ``quality --n`` beyond what fits in memory, a pipe given as ``--dataset`` (it used
to hang), ``--indices -1,2`` (argparse took it for an option); a broken decoded-image cache
entry is built again, not fatal."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest

from explorer.core.util.paths import shipped_model
from tests.helpers import read_only, run_cli_here


def _one_line(r, says):
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr and says in lines[0], r.stderr


@pytest.mark.parametrize(
    ("meta", "says"),
    [
        ([1, 2], "corrupt meta.json (an object expected, got a list)"),
        (None, "corrupt meta.json (an object expected, got null)"),
        ({"z_dim": "16"}, "corrupt meta.json ('z_dim' must be a whole number, got text)"),
        ({"training": [3]}, "corrupt meta.json ('training' must be an object, got a list)"),
        ({"kl_weight": True}, "'kl_weight' must be a number, got true/false"),
    ],
)
def test_a_meta_json_of_the_wrong_shape_is_one_line(meta, says, tiny_bundles, tmp_path):
    bundle = shutil.copytree(
        tiny_bundles["ae"], tmp_path / "b", ignore=shutil.ignore_patterns("cache")
    )
    original = json.loads((bundle / "meta.json").read_text())
    written = {**original, **meta} if isinstance(meta, dict) else meta
    (bundle / "meta.json").write_text(json.dumps(written))
    _one_line(run_cli_here("info", bundle), says)


def test_tensorboard_on_a_file_or_a_read_only_place_is_one_line(tmp_path):
    (tmp_path / "file").write_text("x")
    args = ["train", "--dataset", "mnist-5k", "--epochs", "1", "--out", tmp_path / "out"]
    _one_line(run_cli_here(*args, "--tensorboard", tmp_path / "file"), "is a file; give a folder")
    (tmp_path / "ro").mkdir()
    with read_only(tmp_path / "ro"):
        r = run_cli_here(*args, "--tensorboard", tmp_path / "ro" / "logs")
    _one_line(r, "cannot write there")
    assert not (tmp_path / "out").exists()


def test_quality_n_is_bounded(tmp_path):
    r = run_cli_here(
        "quality", shipped_model("mnist_ae"), "--n", "1000000000000", "--out", tmp_path / "q"
    )
    _one_line(r, "the number of samples must be at most 100000")


@pytest.mark.parametrize("command", ["encode", "train"])
def test_a_pipe_as_dataset_is_refused_not_read(command, tmp_path):
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    model = [] if command == "train" else [shipped_model("mnist_ae")]
    r = run_cli_here(command, *model, "--dataset", fifo, "--out", tmp_path / "o.npz")
    _one_line(r, "not a regular file or a folder (a pipe or a device)")


def test_negative_list_values_reach_their_check(tmp_path):
    r = run_cli_here(
        "reconstruct", shipped_model("mnist_ae"), "--dataset", "mnist-5k", "--indices", "-1,2",
        "--out", tmp_path / "r.png",
    )  # fmt: skip
    assert r.returncode == 2 and "expected one argument" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "-1" in r.stderr, r.stderr
    r = run_cli_here(
        "sample", shipped_model("mnist_ae"), "--sampler", "attribute", "--bases", "-1,2",
        "--out", tmp_path / "s.png",
    )  # fmt: skip
    _one_line(r, "bases must be at least 0, got -1")


def test_a_broken_decoded_cache_entry_is_built_again(tmp_path):
    from PIL import Image

    from explorer.core.data.decoded_cache import decoded_dataset
    from explorer.core.data.sources import open_dataset

    folder = tmp_path / "imgs"
    folder.mkdir()
    for i in range(6):
        Image.fromarray(np.full((20, 20, 3), i * 40, np.uint8)).save(folder / f"{i}.png")
    root = tmp_path / "cache"
    first = decoded_dataset(open_dataset(str(folder), (8, 8, 3)), root)
    entry = next(p for p in root.iterdir() if not p.name.startswith("."))
    for breakage in ("info list", "empty npy"):
        if breakage == "info list":
            (entry / "info.json").write_text("[1, 2]")
        else:
            (entry / "images.npy").write_bytes(b"")
        again = decoded_dataset(open_dataset(str(folder), (8, 8, 3)), root)
        np.testing.assert_array_equal(np.asarray(again.images), np.asarray(first.images))
