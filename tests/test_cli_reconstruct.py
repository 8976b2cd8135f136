"""``latent-explorer reconstruct``: the PNG layout and JSON of a real run, the user's own
files, and one-line errors."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from explorer.core.data.sources import open_dataset
from tests.helpers import ROOT, run_cli, run_cli_here

AE, VAE = ROOT / "models" / "mnist_ae", ROOT / "models" / "mnist_vae"
STEP = 28 + 2  # tile plus sample's padding


def _tile(grid: np.ndarray, row: int, col: int) -> np.ndarray:
    y, x = 2 + row * STEP, 2 + col * STEP
    return grid[y : y + 28, x : x + 28]


def test_reconstruct_two_models_as_a_user_runs_it(tmp_path):
    out = tmp_path / "rec.png"
    proc = run_cli("reconstruct", AE, VAE, "--dataset", "mnist-5k", "--count", 6, "--out", out)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == [str(out), str(out.with_suffix(".json"))]
    grid = np.asarray(Image.open(out))
    assert grid.shape == (3 * STEP + 2, 6 * STEP + 2)  # 3 rows x 6 columns, grey
    info = json.loads(out.with_suffix(".json").read_text())
    indices = [e["index"] for e in info["images"]]
    assert len(indices) == 6 and indices == sorted(indices) == info["indices"]
    assert {e["dataset"] for e in info["images"]} == {"mnist-5k"}
    assert info["asked"] == {"count": 6, "split": "validation", "seed": 0}
    assert info["grid"] == {"rows": 3, "cols": 6, "padding": 2}
    assert info["image_shape"] == [28, 28, 1] and "app_version" in info and "created" in info
    ds = open_dataset("mnist-5k", (28, 28, 1))
    for col, i in enumerate(indices):
        np.testing.assert_array_equal(_tile(grid, 0, col), ds.image(i)[..., 0])
        for row in (1, 2):  # reconstructions: close to the original, not a copy
            diff = np.abs(_tile(grid, row, col).astype(int) - ds.image(i)[..., 0])
            assert 0 < diff.mean() < 40
    assert (grid[:2] == 255).all() and (grid[STEP : STEP + 2] == 255).all()
    ae, vae = info["models"]
    assert (ae["name"], ae["kind"], ae["reconstructed_from"]) == ("mnist_ae", "ae", "z")
    assert (vae["name"], vae["kind"], vae["reconstructed_from"]) == ("mnist_vae", "vae", "mu")
    for m in (ae, vae):
        assert m["loss_kind"] == "bce" and m["source"].endswith(m["name"])
        assert len(m["loss"]) == len(m["mse"]) == 6
        assert all(20 < v < 400 for v in m["loss"]) and all(0 < v < 0.2 for v in m["mse"])


def test_own_files_of_other_sizes_and_colour(tmp_path):
    rng = np.random.default_rng(0)
    png, jpg = tmp_path / "me.png", tmp_path / "grey.jpg"
    Image.fromarray(rng.integers(0, 256, (37, 50, 3), dtype=np.uint8)).save(png)
    Image.fromarray(rng.integers(0, 256, (64, 90), dtype=np.uint8)).save(jpg)
    out = tmp_path / "mine.png"
    proc = run_cli_here("reconstruct", VAE, "--images", png, jpg, "--out", out, "--sharpen")
    assert proc.returncode == 0, proc.stderr
    grid = np.asarray(Image.open(out))
    assert grid.shape == (2 * STEP + 2, 2 * STEP + 2)
    assert np.asarray(Image.open(tmp_path / "mine.sharp.png")).shape == grid.shape
    info = json.loads(out.with_suffix(".json").read_text())
    assert info["images"] == [{"file": str(png)}, {"file": str(jpg)}]
    assert info["models"][0]["reconstructed_from"] == "mu"
    assert len(info["models"][0]["loss"]) == 2 and info["sharpen"]["radius"] == 2.0


def test_a_corrupt_image_file_is_one_line(tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    proc = run_cli_here("reconstruct", AE, "--images", bad, "--out", tmp_path / "r.png")
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "broken.png: unreadable image" in proc.stderr
    assert not (tmp_path / "r.png").exists()


def test_bad_indices_and_mixed_choices_are_one_line(tmp_path):
    out = tmp_path / "r.png"
    proc = run_cli_here(
        "reconstruct", AE, "--dataset", "mnist-5k", "--indices", "0,5000", "--out", out
    )
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0
    assert "image index 5000 is outside the data set (0..4999)" in proc.stderr
    proc = run_cli_here("reconstruct", AE, "--images", out, "--count", 3, "--out", out)
    assert proc.returncode == 2 and "not with --images" in proc.stderr
    proc = run_cli_here("reconstruct", AE, "--dataset", "mnist-5k", "--count", 501, "--out", out)
    assert proc.returncode == 2 and "more than the 500 images" in proc.stderr
    assert not out.exists()


def test_explicit_indices_keep_their_order(tmp_path):
    out = tmp_path / "r.png"
    proc = run_cli_here(
        "reconstruct", AE, "--dataset", "mnist-5k", "--indices", "9,0,5", "--out", out
    )
    assert proc.returncode == 0, proc.stderr
    info = json.loads(out.with_suffix(".json").read_text())
    assert [e["index"] for e in info["images"]] == [9, 0, 5]
    grid = np.asarray(Image.open(out))
    ds = open_dataset("mnist-5k", (28, 28, 1))
    np.testing.assert_array_equal(_tile(grid, 0, 0), ds.image(9)[..., 0])
    assert len(info["models"]) == 1 and grid.shape == (2 * STEP + 2, 3 * STEP + 2)


def test_help_does_not_import_tensorflow():
    import subprocess
    import sys

    code = (
        "import sys\nfrom explorer.cli import main\n"
        "try:\n    main(['reconstruct', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "--sharpen-radius" in r.stdout and "--encoder-b" in r.stdout
    assert r.stdout.strip().splitlines()[-1] == "False False"
