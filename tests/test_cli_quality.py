"""``latent-explorer quality`` end to end on the shipped models, and ``analyze``'s quality key."""

import json

import numpy as np
from PIL import Image

from explorer.core.stats.quality_metrics import METRICS
from explorer.core.util.paths import shipped_model
from tests.helpers import run_cli as cli
from tests.helpers import run_cli_here


def test_quality_of_two_models_with_a_sweep(tmp_path):
    out = tmp_path / "q"
    r = cli(
        "quality", shipped_model("mnist_vae"), shipped_model("mnist_ae"),
        "--sampler", "uniform", "--limit", "1.5", "--n", "1000", "--seed", "3",
        "--sweep", "limit=1:5:2", "--json", "--out", out,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)  # --json: only the document on stdout
    assert doc == json.loads((out / "quality.json").read_text())
    assert set(doc) >= {"reference", "models", "sampler", "n"}
    assert doc["n"] == 1000 and doc["sampler"]["sampler"] == "uniform"
    assert doc["sampler"]["limit"] == 1.5 and doc["sampler"]["seed"] == 3
    assert [m["name"] for m in doc["models"]] == ["mnist_vae", "mnist_ae"]
    for row in [*(m["metrics"] for m in doc["models"]), doc["reference"]]:
        assert set(row) == set(METRICS) and all(v is not None for v in row.values())
    assert doc["models"][0]["source"].endswith("mnist_vae")
    sweep = doc["sweep"]
    assert sweep["values"] == [1.0, 3.0, 5.0] and sweep["param"] == "limit"
    assert all(len(m["metrics"]["fd"]) == 3 for m in sweep["models"])
    for name in ("A_mnist_vae_by_confidence.png", "B_mnist_ae_by_confidence.png", "sweep.png"):
        with Image.open(out / name) as image:
            assert image.size[0] > 100 and np.asarray(image).std() > 10
    assert "Warning" not in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_quality_table_and_bad_options(tmp_path):
    r = run_cli_here("quality", shipped_model("mnist_vae"), "--n", "300", "--out", tmp_path / "t")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("normal sampler, 300 samples per model")
    assert lines[2].startswith("mnist_vae") and lines[3].startswith("reference (real)")
    assert "biased below 1000" in r.stderr
    one_class = tmp_path / "sevens.npz"  # a classifier of one class would say "confident 1.000"
    np.savez(one_class, images=np.zeros((40, 28, 28), np.uint8), labels=np.full(40, 7))
    for args, message in [
        (["--n", "1"], "whole number >= 2"),
        (["--dataset", one_class], "every image has label 7; a classifier needs at least two"),
        (["--sweep", "std=0.5:2:0.5", "--sampler", "uniform"], "not a numeric parameter"),
        (["--sweep", "limit=2:1:1", "--sampler", "uniform"], "LO <= HI"),
        (["--sampler", "nope"], "nope"),
    ]:
        r = run_cli_here("quality", shipped_model("mnist_vae"), "--out", tmp_path / "x", *args)
        assert r.returncode != 0 and message in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_analyze_adds_quality_per_sampler(tmp_path):
    r = run_cli_here("analyze", shipped_model("mnist_vae"), "--out", tmp_path, "--samples", "1000")
    assert r.returncode == 0, r.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    for name, entry in summary["hit_rate"].items():
        assert set(entry["quality"]) == set(METRICS), name
    normal, far = summary["hit_rate"]["normal"], summary["hit_rate"]["uniform_b12"]
    # far from the data the decodes leave the real digits' manifold (the VAE's decoder still
    # draws confident strokes there: confidence alone does not show it)
    assert normal["quality"]["precision"] > far["quality"]["precision"] + 0.2
    assert normal["quality"]["density"] > far["quality"]["density"]
    assert set(summary["quality_reference"]) == set(METRICS)
    assert "classifier" in summary["quality_judge"]
