"""Data checks end to end: ``--data-range``, refused data (nothing written), unreadable
folders and sampler parameters that overflow float32. Every run is in this process: the
commands run as a user runs them in test_cli_explore.py, test_cli_writes.py and others."""

import shutil

import numpy as np
import pytest

from explorer.cli import _join_negative_values, build_parser
from tests.helpers import run_cli_here

FLOATS = np.random.default_rng(0).random((32, 28, 28), dtype=np.float32)


@pytest.fixture
def bundle(tiny_bundles, tmp_path):
    """A private copy of the tiny VAE, so its encoding cache can be inspected."""
    return shutil.copytree(
        tiny_bundles["vae"], tmp_path / "vae", ignore=shutil.ignore_patterns("cache")
    )


def _npz(tmp_path, name, images):
    path = tmp_path / name
    np.savez(path, images=images)
    return path


def _broken_folder(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    for i in range(3):
        (folder / f"{i}.png").write_bytes(b"\x89PNG not really a png" * 10)
    return folder


def _one_line_error(r, *needles):
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    for needle in needles:
        assert needle in r.stderr, r.stderr


def _nothing_written(bundle, *paths):
    assert not any(p.exists() for p in paths)
    assert not (bundle / "cache").exists() or not any((bundle / "cache").iterdir())


@pytest.mark.parametrize("command", ["train", "encode", "analyze", "sample", "compare"])
@pytest.mark.parametrize("flag", [["--data-range", "-1:1"], ["--data-range=-1:1"]])
def test_every_dataset_command_takes_a_negative_data_range(command, flag):
    models = {"compare": ["a", "b"], "train": []}.get(command, ["m"])
    argv = [command, *models, "--dataset", "d.npz", *flag, "--out", "o"]
    args = build_parser().parse_args(_join_negative_values(argv))
    assert args.data_range == (-1.0, 1.0)


def test_encode_says_the_data_range(bundle, tmp_path):
    data = _npz(tmp_path, "f.npz", FLOATS * 2 - 1)
    r = run_cli_here(
        "encode", bundle, "--dataset", data, "--data-range", "-1:1", "--out", tmp_path / "z.npz"
    )
    assert r.returncode == 0, r.stderr
    assert "f.npz: float values in [-1, 1] (from --data-range)" in r.stderr.splitlines()
    with np.load(tmp_path / "z.npz") as f:
        assert f["z"].shape == (32, 16)


def test_refused_values_write_nothing(bundle, tmp_path):
    wide = _npz(tmp_path, "wide.npz", FLOATS * 255)
    nan = FLOATS.copy()
    nan[4, 0, 0] = np.nan
    nan = _npz(tmp_path, "nan.npz", nan)
    z, report, train_out = tmp_path / "z.npz", tmp_path / "report", tmp_path / "t"
    r = run_cli_here("encode", bundle, "--dataset", wide, "--out", z)
    _one_line_error(
        r, "32 images have values outside [0, 1] (first: image 0)", "--data-range 0:255"
    )
    r = run_cli_here("analyze", bundle, "--dataset", nan, "--out", report)
    _one_line_error(r, "nan.npz: 1 image contains NaN or inf (first: image 4)")
    r = run_cli_here(
        "train", "--dataset", wide, "--filters", "8,16,16", "--epochs", "1", "--out", train_out
    )
    _one_line_error(r, "--data-range 0:255")
    _nothing_written(bundle, z, report, train_out)


@pytest.mark.parametrize("command", ["encode", "analyze", "sample", "train"])
def test_unreadable_folder_is_one_line(command, bundle, tmp_path):
    folder = _broken_folder(tmp_path)
    out = tmp_path / {"encode": "z.npz", "sample": "x.png"}.get(command, "out")
    extra = {
        "encode": [bundle],
        "analyze": [bundle],
        "sample": [bundle, "--sampler", "pca"],
        "train": ["--filters", "8,16,16", "--epochs", "1"],
    }[command]
    r = run_cli_here(command, *extra, "--dataset", folder, "--out", out)
    _one_line_error(r, f"{folder}: no image could be read (3 files tried)")
    assert "pass a data set" not in r.stderr
    _nothing_written(bundle, out, out.with_suffix(".npy"), out.with_suffix(".json"))


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--sampler", "uniform", "--limit", "1e308"], "limit must be within float32"),
        (["--sampler", "normal", "--std", "1e200"], "std must be within float32"),
        (["--sampler", "normal", "--mean", "1e300"], "mean must be within float32"),
        (["--sampler", "pca", "--span", "1e300", "--dataset", "DATA"], "span must"),
    ],
)
def test_overflowing_sampler_parameters(args, says, bundle, tmp_path):
    data = tmp_path / "u.npy"  # 8-bit: no value note, so the error is the only line
    np.save(data, np.round(FLOATS * 255).astype(np.uint8))
    out = tmp_path / "x.png"
    r = run_cli_here("sample", bundle, *[data if a == "DATA" else a for a in args], "--out", out)
    _one_line_error(r, says)
    assert not any(tmp_path.glob("x.*"))
