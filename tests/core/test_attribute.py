"""The attribute sampler ("feature arithmetic"): z = base + alpha * vector, the vector from the
points without a label or attribute to those with it (or from one class to another), all from
a VAE's mu; rows are base images, columns the alpha values."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.core.errors import InvalidParameter, NeedsDataError
from explorer.core.latent.sampling import LatentData, layout, sample

Z_DIM = 4


@pytest.fixture(scope="module")
def classes() -> LatentData:
    """A VAE's encodings of 3 named classes with different means; z = mu + noise; rows are
    images 0, 2, 4, ..."""
    rng = np.random.default_rng(5)
    labels = rng.integers(0, 3, 300)
    mu = rng.standard_normal((300, Z_DIM)) + np.eye(3, Z_DIM)[labels] * [4.0, -3.0, 2.0, 0.0]
    z = mu + rng.standard_normal(mu.shape)
    names = ("T-shirt", "Trouser", "Bag")
    return LatentData(z=z, mu=mu, labels=labels, label_names=names, indices=np.arange(300) * 2)


@pytest.fixture(scope="module")
def attributes() -> LatentData:
    """Binary attributes (m, 2) such as CelebA's, no mu (an AE)."""
    rng = np.random.default_rng(6)
    labels = rng.integers(0, 2, (200, 2))
    z = rng.standard_normal((200, Z_DIM)) + labels[:, :1] * [0.0, 2.0, 0.0, 1.0]
    return LatentData(z=z, labels=labels, label_names=("Eyeglasses", "Smiling"))


def _expected(points: np.ndarray, bases: list[int], vector: np.ndarray, alphas) -> np.ndarray:
    return (points[bases][:, None, :] + np.asarray(alphas)[None, :, None] * vector).reshape(
        -1, Z_DIM
    )


def test_from_the_points_without_to_those_with_a_label(classes):
    s = sample(
        "attribute", 2 * 5, Z_DIM, data=classes, attribute="Bag", bases=[4, 10], steps=5,
        alpha=(-1.0, 1.0),
    )  # fmt: skip
    mu, has = classes.mu, classes.labels == 2
    vector = mu[has].mean(axis=0) - mu[~has].mean(axis=0)
    expected = _expected(mu, [2, 5], vector, np.linspace(-1, 1, 5))  # images 4, 10: rows 2, 5
    np.testing.assert_allclose(s.z, expected, rtol=1e-5, atol=1e-5)
    assert s.description["data_from"] == "mu" and s.description["cols"] == 5


def test_from_one_class_to_another_by_name_or_number(classes):
    mu = classes.mu
    vector = mu[classes.labels == 1].mean(axis=0) - mu[classes.labels == 0].mean(axis=0)
    expected = _expected(mu, [0], vector, [0.0, 0.5, 1.0])
    for names in (("T-shirt", "trouser"), ("0", "1")):
        s = sample(
            "attribute", 3, Z_DIM, data=classes, attribute=names[0], to=names[1], bases=[0],
            steps=3, alpha=(0.0, 1.0),
        )  # fmt: skip
        np.testing.assert_allclose(s.z, expected, rtol=1e-5, atol=1e-5)


def test_a_binary_attribute_column(attributes):
    s = sample(
        "attribute", 2 * 3, Z_DIM, data=attributes, attribute="eyeglasses", bases=[1, 7], steps=3
    )
    z, has = attributes.z, attributes.labels[:, 0] > 0
    vector = z[has].mean(axis=0) - z[~has].mean(axis=0)
    expected = _expected(z, [1, 7], vector, np.linspace(-1.5, 1.5, 3))
    np.testing.assert_allclose(s.z, expected, rtol=1e-5, atol=1e-5)
    assert s.description["data_from"] == "z"


def test_description_regenerates_exactly(classes):
    s = sample(
        "attribute",
        2 * 4,
        Z_DIM,
        seed=2,
        data=classes,
        attribute="1",
        to="2",
        bases=[2, 6],
        steps=4,
    )
    args = json.loads(json.dumps(s.description))
    again = sample(**args, data=classes)
    np.testing.assert_array_equal(again.z, s.z)
    assert again.description == args


def test_layout_is_bases_by_steps(classes):
    assert layout("attribute", Z_DIM, classes, attribute="1", bases=[0, 2, 4], steps=5) == (3, 5)


@pytest.mark.parametrize(
    ("n", "params", "says"),
    [
        (7, {}, "attribute is required"),
        (7, {"attribute": "Dog"}, "'Dog' is not a label of the data; known: T-shirt, Trouser"),
        (7, {"attribute": "1", "to": "9"}, "to '9' is not a label"),
        (6, {"attribute": "1"}, "lays out 1 x 7 points: n must be 7"),
        (7, {"attribute": "1", "bases": [1]}, "image #1 is not among the encoded"),
        (7, {"attribute": "1", "alpha": (1.0, 0.0)}, "low < high"),
    ],
)
def test_bad_parameters(classes, n, params, says):
    with pytest.raises(InvalidParameter, match=says):
        sample("attribute", n, Z_DIM, data=classes, **params)


def test_needs_labelled_data(classes):
    with pytest.raises(NeedsDataError, match="'attribute' sampler needs encoded data"):
        sample("attribute", 7, Z_DIM, attribute="1")
    with pytest.raises(InvalidParameter, match="needs a data set with labels"):
        sample("attribute", 7, Z_DIM, data=classes.z, attribute="1")
    one_class = LatentData(classes.z, labels=np.zeros(300, int))
    with pytest.raises(InvalidParameter, match="no encoded point is without 0"):
        sample("attribute", 7, Z_DIM, data=one_class, attribute="0")


def test_the_window_gets_labels_and_mu(classes):
    from explorer.core.progress import TaskState
    from explorer.core.stats import slots

    enc = type("Enc", (), {"z": classes.z, "mu": classes.mu, "indices": classes.indices,
                           "labels": classes.labels, "label_names": list(classes.label_names)})  # fmt: skip
    params = {"attribute": "Bag", "to": None, "bases": [4, 10], "steps": 5, "alpha": [-1.0, 1.0]}
    req = slots.SamplerRequest("attribute", params, rows=8, cols=8, seed=0, same=True)
    spec, samples = slots.grid_samples(TaskState(), req, {"A": slots.SlotData.of(Z_DIM, enc)})["A"]
    assert (spec.rows, spec.cols) == (2, 5)
    np.testing.assert_array_equal(
        samples.z, sample("attribute", 10, Z_DIM, data=classes, **params).z
    )
