"""Measured sample quality on the shipped models: the VAE's normal decodes are recognisable far
more often than the AE's, the reference row is real data's ceiling, sweeps cover their grid,
bad options are one line."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.data.dataset import Dataset
from explorer.core.data.sources import open_dataset
from explorer.core.errors import InvalidParameter
from explorer.core.stats import quality
from explorer.core.stats.quality_metrics import METRICS


@pytest.fixture(scope="module")
def mnist():
    ds = open_dataset("mnist-5k", (28, 28, 1))
    return ds, quality.make_judge(ds)


@pytest.fixture(scope="module")
def models(shipped_models):
    return {name: shipped_models[name] for name in ("mnist_vae", "mnist_ae")}


def test_vae_normal_decodes_score_far_above_the_ae(mnist, models):
    ds, judge = mnist
    assert judge.kind == "classifier"
    rows = [(m, str(m.source), None) for m in models.values()]
    report = quality.quality_report(rows, ds, "normal", n=1000, seed=0, judge=judge)
    vae, ae = (r.metrics for r in report.models)
    assert set(vae) == set(METRICS) == set(report.reference)
    # real held-out digits are recognised: the ceiling every row is read against
    assert report.reference["confident"] >= 0.85 and report.reference["precision"] >= 0.6
    assert vae["confident"] > ae["confident"] + 0.25, (vae, ae)
    assert vae["fd"] < ae["fd"] / 2
    # the AE's decodes are all alike: inside one wide real ball (precision near 1, the known
    # weakness of k-NN precision) but covering none of the real images' variety
    assert vae["recall"] > ae["recall"] + 0.3 and vae["coverage"] > ae["coverage"] + 0.3
    assert vae["class_coverage"] > 0.8
    doc = report.to_json()
    assert doc["n"] == 1000 and doc["sampler"]["sampler"] == "normal"
    assert [m["name"] for m in doc["models"]] == [m.name for m in models.values()]
    # the confidence of each decode is kept for the sorted grid
    row = report.models[0]
    assert row.images.shape == (1000, 28, 28, 1) and row.confidence.shape == (1000,)
    assert np.mean(row.confidence >= 0.9) == pytest.approx(vae["confident"])


def test_fewer_samples_than_the_minimum_are_said(mnist, models):
    ds, judge = mnist
    model = models["mnist_vae"]
    report = quality.quality_report([(model, "", None)], ds, "normal", n=200, judge=judge)
    assert any("biased below 1000" in note for note in report.notes)
    for bad in (1, 0, -5, 2.5, True):
        with pytest.raises(InvalidParameter, match="whole number >= 2"):
            quality.quality_report([(model, "", None)], ds, "normal", n=bad, judge=judge)


def test_uniform_sweep_covers_its_grid_and_gets_weirder_far_out(mnist, models):
    ds, judge = mnist
    name, values = quality.parse_sweep("limit=1.5:7.5:3")
    assert name == "limit" and values.tolist() == [1.5, 4.5, 7.5]
    rows = [(models["mnist_vae"], "", None)]
    result = quality.sweep(rows, ds, "uniform", name, values, n=300, judge=judge)
    ((model_name, metrics),) = result.models
    assert model_name == models["mnist_vae"].name
    assert all(len(metrics[k]) == 3 for k in METRICS)
    # seed 000's series in numbers: the farther from the origin, the fewer decodes look real
    assert metrics["precision"][0] > metrics["precision"][1] > metrics["precision"][2]
    assert metrics["density"][0] > metrics["density"][1] > metrics["density"][2]
    doc = result.to_json()
    assert doc["values"] == [1.5, 4.5, 7.5] and doc["param"] == "limit"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("limit", "PARAM=LO:HI:STEP"),
        ("limit=1:0:0.5", "LO <= HI"),
        ("limit=0:1:0", "STEP > 0"),
        ("limit=0:1000:1", "at most 200"),
    ],
)
def test_bad_sweeps_are_one_line(text, match):
    with pytest.raises(InvalidParameter, match=match):
        quality.parse_sweep(text)


def test_a_sweep_of_a_parameter_the_sampler_lacks_names_its_parameters():
    with pytest.raises(InvalidParameter, match="not a numeric parameter of the uniform") as err:
        quality.check_sweep("uniform", "std")
    assert "limit" in str(err.value) and "\n" not in str(err.value)
    assert quality.check_sweep("normal", "std") == "std"


def test_unlabelled_data_get_pixel_features_and_no_classifier_metrics(models, tmp_path):
    rng = np.random.default_rng(0)
    images = (rng.random((400, 28, 28, 1)) * 255).astype(np.uint8)
    ds = Dataset("noise", (28, 28, 1), images=images)
    with pytest.raises(InvalidParameter, match="no labels"):
        quality.make_judge(ds, need_classifier=True)
    judge = quality.make_judge(ds)
    assert judge.kind == "pixels" and "weaker" in judge.describe
    report = quality.quality_report(
        [(models["mnist_ae"], "", None)], ds, "normal", n=100, judge=judge
    )
    metrics = report.models[0].metrics
    assert metrics["confident"] is None and metrics["fd"] is not None
    assert report.models[0].confidence is None
