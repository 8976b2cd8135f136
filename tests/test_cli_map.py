"""``latent-explorer map`` end to end on a shipped model, its one-line errors, and the map of
``analyze``."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from PIL import Image

from explorer.core.util.paths import resources_dir, shipped_model
from tests.helpers import run_cli, run_cli_here


def test_map_writes_the_embedding_files(tmp_path):
    out = tmp_path / "map"
    r = run_cli(
        "map", shipped_model("mnist_vae"), "--method", "tsne", "--points", "300",
        "--iterations", "100", "--seed", "2", "--out", out,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    names = [line.rsplit("/", 1)[-1] for line in r.stdout.split()]
    assert names == ["embedding.npz", "embedding.csv", "map.png"]
    with np.load(out / "embedding.npz") as f:
        xy, index, labels = f["xy"], f["index"], f["labels"]
        assert str(f["method"]) == "tsne"
        params = json.loads(str(f["params"]))
    assert xy.shape == (300, 2) and np.isfinite(xy).all()
    assert len(np.unique(index)) == 300 and index.max() < 5000
    assert params["perplexity"] == 30.0 and params["iterations"] == 100 and params["seed"] == 2
    assert params["model"] == "mnist_vae" and params["dataset"] == "mnist-5k"
    # stratified: every digit keeps its share of mnist-5k (about 30 of 300)
    counts = np.bincount(labels, minlength=10)
    assert counts.min() >= 20 and counts.max() <= 40
    # the labels are the data set's labels of those images
    with np.load(resources_dir() / "mnist_5k.npz") as data:
        np.testing.assert_array_equal(labels, data["labels"][index])
    with open(out / "embedding.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 300 and int(rows[0]["index"]) == index[0]
    assert Image.open(out / "map.png").size[0] > 500


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--method", "mds"], "unknown map method 'mds'; use one of tsne, umap, pca"),
        (["--points", "1"], "points must be at least 2"),
        (["--points", "40", "--perplexity", "20"], "perplexity too large for 40 points"),
        (["--neighbors", "5"], "--neighbors does not apply to --method tsne"),
        (["--method", "pca", "--perplexity", "5"], "--perplexity does not apply to --method pca"),
        (["--method", "umap", "--metric", "hamming"], "metric must be one of euclidean"),
        (["--method", "umap", "--min-dist", "-1"], "min_dist must be 0 or more"),
    ],
)
def test_bad_options_give_one_line_before_loading(tmp_path, args, message):
    r = run_cli_here("map", tmp_path / "no-model", "--out", tmp_path / "out", *args)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "out" / "embedding.npz").exists()


def test_perplexity_is_checked_against_the_data_set_size(tmp_path):
    # 9000 points pass the first check (perplexity 2000 < 3000); mnist-5k has 5000
    r = run_cli_here(
        "map", shipped_model("mnist_ae"), "--points", "9000", "--perplexity", "2000",
        "--out", tmp_path,
    )  # fmt: skip
    assert r.returncode == 2
    assert "perplexity too large for 5000 points" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_analyze_makes_a_pca_map(tmp_path):
    r = run_cli_here(
        "analyze", shipped_model("mnist_ae"), "--out", tmp_path, "--projection", "pca",
        "--map-points", "400", "--samples", "200", "--no-quality",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["map"]["method"] == "pca" and summary["map"]["points"] == 400
    assert "tsne" not in summary
    assert Image.open(tmp_path / "pca_map.png").size[0] > 500
    assert str(tmp_path / "pca_map.png") in r.stdout
