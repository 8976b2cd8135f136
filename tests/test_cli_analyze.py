"""``analyze`` and ``compare`` end to end on the shipped models: each once as a user runs it,
the other runs in this process."""

import json

import numpy as np
from PIL import Image

from explorer.core.util.paths import shipped_model
from tests.helpers import run_cli as cli
from tests.helpers import run_cli_here

REQUIRED = {
    "n_points",
    "z_dim",
    "kind",
    "radius",
    "components",
    "hit_rate",
    "expected_radius",
    "kmeans",
    "pca_explained_variance",
}
VAE_KEYS = {
    "logvar_min",
    "logvar_max",
    "logvar_mean",
    "max_abs_z_minus_mu",
    "n_components_over_0.05",
    "radius_rel_diff_mean",
    "radius_rel_diff_max",
    "active_dims",
}


def test_analyze_vae_writes_plots_and_summary(tmp_path):
    out = tmp_path / "vae"
    r = cli(
        "analyze",
        shipped_model("mnist_vae"),
        "--dataset",
        "mnist-5k",
        "--out",
        out,
        "--json",
        "--tsne-points",
        "300",
        "--tsne-iterations",
        "100",
        "--kmeans",
        "2:10:4",
        "--formats",
        "png,svg",
        "--no-quality",  # tests/test_cli_quality.py checks the quality key
    )
    assert r.returncode == 0, r.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert json.loads(r.stdout[r.stdout.index("{") :]) == summary
    assert set(summary) >= REQUIRED and set(summary["vae"]) >= VAE_KEYS
    assert summary["n_points"] == 5000 and summary["z_dim"] == 16 and summary["kind"] == "vae"
    assert summary["kmeans"]["k"] == [2, 6, 10]
    # --tsne-points (the old name of --map-points) still makes a t-SNE map of mu
    assert summary["tsne"]["n_points"] == 300 and summary["tsne"]["n_iter"] == 100
    assert summary["tsne"]["kl_divergence"] > 0
    assert summary["map"]["method"] == "tsne" and summary["map"]["codes"] == "mu"
    assert set(summary["radius"]["histogram"]) == {"edges", "counts"}
    assert sum(summary["radius"]["histogram"]["counts"]) == 5000
    assert {"mean", "std", "half_width", "dominant"} <= set(summary["components"])
    assert {"mean", "std"} <= set(summary["expected_radius"]["normal"])
    # the working VAE puts its data where N(0, 1) samples land, and b = 12 misses it
    assert summary["hit_rate"]["normal"]["radius_hit_rate"] > 0.5
    assert summary["hit_rate"]["uniform_b12"]["component_hit_rate"] < 0.05
    for name in (
        "radius",
        "components",
        "component_curve",
        "pca_variance",
        "correlation",
        "kmeans_inertia",
        "tsne",
    ):
        assert Image.open(out / f"{name}.png").size[0] > 300
        assert "<svg" in (out / f"{name}.svg").read_text()[:2000]


def test_analyze_ae_has_no_vae_block_and_radius_far_from_normal(tmp_path):
    r = run_cli_here(
        "analyze", shipped_model("mnist_ae"), "--out", tmp_path, "--json", "--no-quality"
    )
    assert r.returncode == 0, r.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert "vae" not in summary and summary["kind"] == "ae"
    assert summary["radius"]["mean"] > 4 * summary["expected_radius"]["normal"]["mean"]
    assert summary["hit_rate"]["normal"]["radius_hit_rate"] < 0.05


def test_compare_same_z_points(tmp_path):
    r = cli(
        "compare",
        shipped_model("mnist_ae"),
        shipped_model("mnist_vae"),
        "--sampler",
        "uniform",
        "--limit",
        "2",
        "--grid",
        "4x4",
        "--seed",
        "3",
        "--out",
        tmp_path,
    )
    assert r.returncode == 0, r.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "A.npy"), np.load(tmp_path / "B.npy"))
    assert Image.open(tmp_path / "A.png").size == Image.open(tmp_path / "B.png").size == (122, 122)
    assert Image.open(tmp_path / "side_by_side.png").size[0] > 800
    assert (tmp_path / "radius_overlay.png").exists()
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["same_z_points"] is True and set(summary["models"]) == {"A", "B"}


def test_analyze_bad_options(tmp_path):
    cases = (["--kmeans", "10:2:2"], ["--formats", "gif"], ["--dataset", tmp_path / "missing"])
    for args in cases:
        r = run_cli_here("analyze", shipped_model("mnist_ae"), "--out", tmp_path / "x", *args)
        assert (
            r.returncode == 2
            and "Traceback" not in r.stderr
            and len(r.stderr.strip().splitlines()) == 1
        ), r.stderr
