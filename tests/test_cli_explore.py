"""``sample``, ``encode`` (and bad options) end to end on the shipped models. ``sample`` runs
as a user runs it for a grid and for one bad option (``encode`` in test_cli_writes.py); the
other runs are in this process."""

import json

import numpy as np
import pytest
from PIL import Image

from explorer.core.util.paths import shipped_model
from tests.helpers import run_cli as cli
from tests.helpers import run_cli_here

VAE = shipped_model("mnist_vae")


def test_sample_writes_grid_sidecar_and_z(tmp_path):
    out = tmp_path / "u.png"
    r = cli(
        "sample",
        VAE,
        "--sampler",
        "uniform",
        "--limit",
        "2",
        "--grid",
        "3x4",
        "--seed",
        "5",
        "--sharpen",
        "--out",
        out,
    )
    assert r.returncode == 0, r.stderr
    assert Image.open(out).size == (2 + 4 * 30, 2 + 3 * 30)
    assert Image.open(tmp_path / "u.sharp.png").size == Image.open(out).size
    z = np.load(tmp_path / "u.npy")
    assert z.shape == (12, 16) and np.abs(z).max() <= 2
    info = json.loads((tmp_path / "u.json").read_text())
    assert info["sampler"] == "uniform" and info["seed"] == 5 and info["sharpen"]["percent"] == 150


def test_sample_with_data_samplers(tmp_path):
    for sampler, extra in (
        ("pca", ["--axis", "1"]),
        ("fitted", ["--covariance", "full"]),
        ("gmm", ["--components", "3"]),
        ("interpolate", ["--start-index", "0", "--end-index", "4999", "--method", "slerp"]),
    ):
        out = tmp_path / f"{sampler}.png"
        r = run_cli_here(
            "sample",
            VAE,
            "--sampler",
            sampler,
            *extra,
            "--grid",
            "2x5",
            "--dataset",
            "mnist-5k",
            "--out",
            out,
        )
        assert r.returncode == 0, (sampler, r.stderr)
        assert np.load(tmp_path / f"{sampler}.npy").shape == (10, 16)


def test_grid2d_on_the_2d_model(tmp_path):
    r = run_cli_here(
        "sample",
        shipped_model("mnist_vae_z2"),
        "--sampler",
        "grid2d",
        "--range",
        "-3:3",
        "--grid",
        "5x5",
        "--out",
        tmp_path / "m.png",
    )
    assert r.returncode == 0, r.stderr
    z = np.load(tmp_path / "m.npy")
    assert z[0].tolist() == [-3.0, 3.0] and z[-1].tolist() == [3.0, -3.0]


def test_encode_npz_and_tsv(tmp_path):
    r = run_cli_here("encode", VAE, "--dataset", "mnist-5k", "--out", tmp_path / "z.npz")
    assert r.returncode == 0, r.stderr
    with np.load(tmp_path / "z.npz") as f:
        assert (
            f["z"].shape == (5000, 16)
            and f["mu"].shape == (5000, 16)
            and f["labels"].shape == (5000,)
        )
    r = run_cli_here("encode", VAE, "--dataset", "mnist-5k", "--tsv", "--out", tmp_path / "proj")
    assert r.returncode == 0, r.stderr
    assert len((tmp_path / "proj" / "vectors.tsv").read_text().splitlines()) == 5000


@pytest.mark.parametrize(
    "args",
    [
        ["--sampler", "uniform", "--limit", "0"],
        ["--sampler", "uniform", "--limit", "-1"],
        ["--grid", "0x3"],
        ["--sampler", "pca", "--axis", "16", "--dataset", "mnist-5k"],
        ["--sampler", "pca"],
        ["--sampler", "gmm"],
        ["--sampler", "nonsense"],
        ["--sampler", "grid2d"],
    ],
)
def test_bad_options_exit_with_one_line(args, tmp_path):
    # One as a user runs it (the suite's one error case of a command that imports TensorFlow
    # in a process of its own: its C++ logs must not add lines), the rest in here.
    run = cli if args[-1] == "0" else run_cli_here
    r = run("sample", VAE, *args, "--out", tmp_path / "x.png")
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "x.png").exists()
