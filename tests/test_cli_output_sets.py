"""A command's output set is replaced as a whole or not at all: a failure while writing (a
full disk here) leaves the previous set exactly as it was, beside no file of the new one,
says one line (exit 2), and removes an output folder it made; a file an earlier set had and
the new one has not (an ``OUT.gif``) does not stay beside the new set."""

from __future__ import annotations

import errno

import pytest

from explorer.core.util.paths import shipped_model
from tests.helpers import run_cli_here

MODEL = str(shipped_model("mnist_ae"))


def full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device", "out.png")


def _contents(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _map(out, seed):
    return run_cli_here(
        "map", MODEL, "--method", "pca", "--points", "300", "--seed", seed, "--out", out
    )


def test_a_map_whose_picture_fails_keeps_the_previous_set(tmp_path, monkeypatch):
    from explorer.core.output import map_files

    out = tmp_path / "map"
    assert _map(out, "0").returncode == 0
    before = _contents(out)
    assert sorted(before) == ["embedding.csv", "embedding.npz", "map.png"]
    monkeypatch.setattr(map_files, "save_figure", full_disk)  # after the npz and the csv
    r = _map(out, "1")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "latent-explorer map: error: out.png: No space left on device"
    ]
    assert _contents(out) == before  # not a new npz and csv beside the old png
    fresh = tmp_path / "new"
    assert _map(fresh, "1").returncode == 2 and not fresh.exists()  # no empty folder left
    monkeypatch.undo()
    assert _map(out, "1").returncode == 0
    after = _contents(out)
    assert sorted(after) == sorted(before) and after["embedding.npz"] != before["embedding.npz"]


def _sample(out, *extra):
    return run_cli_here("sample", MODEL, "--grid", "2x3", "--out", out, *extra)


def test_a_grid_set_is_all_old_or_all_new_and_drops_what_it_no_longer_has(tmp_path, monkeypatch):
    from explorer.core.latent import grids

    out = tmp_path / "g.png"
    assert _sample(out, "--gif").returncode == 0
    before = _contents(tmp_path)
    assert sorted(before) == ["g.gif", "g.json", "g.npy", "g.png"]
    monkeypatch.setattr(grids, "save_gif", full_disk)  # after the png and the npy
    r = _sample(out, "--gif", "--seed", "5")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert _contents(tmp_path) == before
    monkeypatch.undo()
    assert _sample(out, "--seed", "5").returncode == 0  # no --gif now
    assert sorted(_contents(tmp_path)) == ["g.json", "g.npy", "g.png"]  # the old gif is gone


def test_quality_whose_json_fails_keeps_the_previous_pictures(tmp_path, monkeypatch):
    from explorer.core.util import atomic

    out = tmp_path / "q"
    args = ["quality", MODEL, "--n", "200", "--out", out]
    assert run_cli_here(*args).returncode == 0
    before = _contents(out)
    assert "quality.json" in before and any(name.endswith(".png") for name in before)
    real = atomic.write_json
    monkeypatch.setattr(
        atomic,
        "write_json",
        lambda path, *a, **k: (
            full_disk() if str(path).endswith("quality.json") else real(path, *a, **k)
        ),
    )  # the JSON is written last, after the PNGs
    r = run_cli_here(*args, "--seed", "1")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert _contents(out) == before  # not new PNGs beside the old JSON


@pytest.mark.parametrize("labels", [True, False])
def test_projector_files_are_one_set(tmp_path, labels):
    import numpy as np

    from tests.helpers import tiny_npz

    data = tiny_npz(tmp_path / "d.npz", 30, labels=labels)
    out = tmp_path / "tsv"
    (out).mkdir()
    (out / "metadata.tsv").write_text("stale\n")  # from an earlier, labelled run
    r = run_cli_here("encode", MODEL, "--dataset", data, "--tsv", "--out", out)
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == (["metadata.tsv", "vectors.tsv"] if labels else ["vectors.tsv"])
    assert "None" not in r.stdout
    assert len(np.loadtxt(out / "vectors.tsv", delimiter="\t")) == 30
