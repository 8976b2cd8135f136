"""``--out`` of every command: the exact file written, wrong kinds of output refused before
any work, read-only places (in this process), and two ``encode`` processes at once (as a user
runs them)."""

import shutil
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from explorer.core.latent.encoding_cache import load_cached
from explorer.core.util.paths import shipped_model
from tests.helpers import read_only, run_cli_here
from tests.helpers import run_cli as cli

VAE = shipped_model("mnist_vae_z2")


def _one_error_line(r, *fragments) -> str:
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert "error:" in lines[0] and all(f in lines[0] for f in fragments), lines[0]
    return lines[0]


def test_encode_adds_npz_to_a_name_without_a_suffix(tmp_path):
    r = run_cli_here("encode", VAE, "--out", tmp_path / "foo")
    assert r.returncode == 0, r.stderr
    said = [line for line in r.stderr.splitlines() if "foo.npz" in line]
    assert said == [f"latent-explorer encode: --out has no suffix; writing {tmp_path / 'foo.npz'}"]
    assert r.stdout.splitlines()[0] == str(tmp_path / "foo.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foo.npz"]  # no empty foo, no stray
    with np.load(tmp_path / "foo.npz") as f:
        assert f["z"].shape == (5000, 2)


def test_encode_refuses_another_suffix(tmp_path):
    _one_error_line(run_cli_here("encode", VAE, "--out", tmp_path / "z.txt"), "z.txt", ".npz")
    assert list(tmp_path.iterdir()) == []


def test_an_existing_npz_survives_a_failing_encode(tmp_path, monkeypatch, capsys):
    """A run whose write fails (here np.savez stops half-way without an error) and a run that
    fails before writing both leave the previous file as it was."""
    from explorer.cli import main

    target = tmp_path / "z.npz"
    assert main(["encode", str(VAE), "--out", str(target)]) == 0
    good = target.read_bytes()
    monkeypatch.setattr(np, "savez", lambda handle, **arrays: handle.write(b"PK\x03\x04 half"))
    assert main(["encode", str(VAE), "--out", str(target)]) == 2
    assert "z.npz" in capsys.readouterr().err
    monkeypatch.undo()
    _one_error_line(run_cli_here("encode", VAE, "--dataset", tmp_path / "none", "--out", target))
    assert target.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["z.npz"]


MISSING = "no-such-model"  # never loaded: the --out check comes first


@pytest.mark.parametrize(
    "args,kind",
    [
        (["train", "--out", "{file}"], "is a file"),
        (["train", "--out", "{file}/bundle"], "is a file"),
        (["analyze", MISSING, "--out", "{file}"], "is a file"),
        (["compare", MISSING, MISSING, "--out", "{file}"], "is a file"),
        (["encode", MISSING, "--tsv", "--out", "{file}"], "is a file"),
        (["encode", MISSING, "--out", "{folder}"], "is a folder"),
        (["sample", MISSING, "--out", "{folder}"], "is a folder"),
        (["sample", MISSING, "--out", "{folder}.png"], "is a folder"),
        (["sample", MISSING, "--out", "{root}/grid.png"], "grid.npy: is a folder"),
        (["sample", MISSING, "--out", "{file}/grid.png"], "is a file"),
    ],
)
def test_a_wrong_kind_of_output_is_one_line_before_any_work(tmp_path, args, kind):
    (tmp_path / "f.txt").write_text("mine")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir.png").mkdir()
    (tmp_path / "grid.npy").mkdir()
    argv = [a.format(file=tmp_path / "f.txt", folder=tmp_path / "dir", root=tmp_path) for a in args]
    assert MISSING not in _one_error_line(run_cli_here(*argv), kind)
    assert (tmp_path / "f.txt").read_text() == "mine"


def test_train_into_a_read_only_place_fails_before_training(tmp_path):
    (tmp_path / "ro").mkdir()
    with read_only(tmp_path / "ro"):
        r = run_cli_here(
            "train", "--kind", "ae", "--epochs", "1", "--out", tmp_path / "ro" / "bundle"
        )
    _one_error_line(r, "cannot be written", "not writable")
    assert "training" not in r.stderr and list((tmp_path / "ro").iterdir()) == []


def test_train_config_refuses_a_read_only_bundle(tmp_path, tiny_bundles):
    from explorer.core.errors import InvalidParameter
    from explorer.core.training.training import TrainConfig

    copy = tmp_path / "ae"
    shutil.copytree(tiny_bundles["ae"], copy, ignore=shutil.ignore_patterns("cache"))
    with read_only(copy), pytest.raises(InvalidParameter, match="cannot write the model bundle"):
        TrainConfig(out=str(copy), resume=True, epochs=1).validate()


def test_two_encodes_at_once_both_succeed_and_leave_a_valid_cache(tmp_path, tiny_bundles):
    bundle = tmp_path / "ae"
    shutil.copytree(tiny_bundles["ae"], bundle, ignore=shutil.ignore_patterns("cache"))
    outs = [tmp_path / "a.npz", tmp_path / "b.npz"]
    with ThreadPoolExecutor(2) as pool:  # two processes, started together
        runs = list(pool.map(lambda out: cli("encode", bundle, "--out", out), outs))
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    entries = list((bundle / "cache").iterdir())
    assert len(entries) == 1 and not entries[0].name.startswith(".")  # no temporary folder
    cached = load_cached(entries[0])
    assert cached is not None and cached.z.shape == (5000, 16)
    for out in outs:
        with np.load(out) as f:
            np.testing.assert_array_equal(f["z"], cached.z)
