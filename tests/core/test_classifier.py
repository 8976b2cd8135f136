"""The image classifier that judges decoded samples: the shipped MNIST one, training, saving,
cancelling, multilabel, the per-data-set cache, and the pixel-PCA fallback."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from explorer.core.data.dataset import Dataset, split_indices
from explorer.core.data.sources import open_dataset
from explorer.core.errors import Cancelled, DatasetError, InvalidParameter, ModelLoadError
from explorer.core.model import classifier as C
from explorer.core.model.pixel_features import PixelPCA
from explorer.core.progress import TaskState
from explorer.core.util.paths import shipped_model


@pytest.fixture(scope="module")
def mnist():
    return open_dataset("mnist-5k")


def small(ds: Dataset, n: int = 300, name: str = "mnist-small") -> Dataset:
    """``n`` images spread over mnist-5k (which is sorted by class: its first 500 are 0s)."""
    rows = np.linspace(0, len(ds) - 1, n).round().astype(int)
    return Dataset(
        name,
        ds.image_shape,
        images=ds.images[rows],
        labels=ds.labels[rows],
        label_names=ds.label_names,
        source="test",
    )


def test_shipped_classifier_is_confident_and_accurate_on_held_out_digits(mnist):
    folder = shipped_model("mnist_classifier")
    with zipfile.ZipFile(folder / C.CLASSIFIER_FILE) as z:  # plain Keras, no custom objects
        assert "explorer" not in z.read("config.json").decode()
    assert (folder / C.CLASSIFIER_FILE).stat().st_size < 2 * 2**20
    clf = C.load_classifier(folder)  # safe_mode=True
    assert clf.meta["kind"] == "classifier" and not clf.multilabel
    assert clf.classes == [str(d) for d in range(10)] and clf.input_shape == (28, 28, 1)
    _, val = split_indices(len(mnist), 0.1, 0)
    images, labels = mnist.images[val], mnist.labels[val]
    feats, probs = clf.predict(images)
    assert feats.shape == (len(val), 128) and probs.shape == (len(val), 10)
    assert feats.dtype == probs.dtype == np.float32
    assert np.mean(probs.max(axis=1) >= 0.9) >= 0.85
    assert np.mean(probs.argmax(axis=1) == labels) >= 0.95
    np.testing.assert_allclose(probs, clf.probabilities(images), atol=1e-5)
    np.testing.assert_allclose(feats, clf.features(images), atol=1e-4)
    floats = clf.probabilities(images[:8].astype(np.float32) / 255.0, batch_size=3)
    np.testing.assert_allclose(floats, probs[:8], atol=1e-5)
    with pytest.raises(InvalidParameter, match="28x28x1"):
        clf.predict(np.zeros((2, 32, 32, 1), np.uint8))


def test_classifier_for_mnist_5k_is_the_shipped_one(mnist, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(C, "train_classifier", lambda *a, **k: pytest.fail("trained"))
    clf = C.classifier_for(mnist)
    assert clf.meta["dataset"]["name"] == "mnist-5k"
    assert not (tmp_path / "latent-explorer").exists()


def test_train_save_reload_and_meta(mnist, tmp_path):
    ds = small(mnist)
    seen = []
    state = TaskState(lambda f, msg: seen.append(f))
    clf = C.train_classifier(ds, out=tmp_path / "b", epochs=2, batch_size=64, state=state)
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["meta.json", "model.keras"]
    meta = json.loads((tmp_path / "b" / "meta.json").read_text())
    assert meta["kind"] == "classifier" and meta["format"] == 1
    assert meta["dataset"] == {
        "name": "mnist-small",
        "fingerprint": ds.fingerprint(),
        "n_images": 300,
        "source": "test",
    }
    assert meta["classes"] == [str(d) for d in range(10)] and meta["multilabel"] is False
    assert meta["input_shape"] == [28, 28, 1]
    assert meta["split"] == {"validation_split": 0.1, "seed": 0, "n_train": 270, "n_val": 30}
    assert meta["training"] == {"epochs_done": 2, "batch_size": 64, "seed": 0}
    assert set(meta["held_out"]) == {"accuracy", "loss"} and 0 <= meta["held_out"]["accuracy"] <= 1
    assert {"tensorflow", "keras", "numpy"} <= set(meta["versions"])
    assert seen and seen == sorted(seen) and seen[-1] == 1.0
    again = C.load_classifier(tmp_path / "b")
    x = ds.images[:20]
    np.testing.assert_allclose(again.probabilities(x), clf.probabilities(x), atol=1e-5)
    np.testing.assert_allclose(again.predict(x)[0], clf.features(x), atol=1e-4)
    meta["model_sha256"] = "0" * 64  # a model.keras the meta does not describe
    (tmp_path / "b" / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="disagree"):
        C.load_classifier(tmp_path / "b")


def test_cancel_leaves_no_bundle(mnist, tmp_path):
    state = TaskState()
    state.request_stop()
    with pytest.raises(Cancelled):
        C.train_classifier(small(mnist, 200), out=tmp_path / "b", epochs=2, state=state)
    assert not (tmp_path / "b").exists()


def test_cancel_during_training_leaves_no_bundle(mnist, tmp_path):
    stop = []  # the first progress report (after the first batch) asks for a stop
    state = TaskState(lambda f, msg: stop[0].request_stop())
    stop.append(state)
    with pytest.raises(Cancelled):
        C.train_classifier(small(mnist, 200), out=tmp_path / "b", epochs=2, state=state)
    assert not (tmp_path / "b").exists()


def test_multilabel_trains_a_sigmoid_classifier(mnist):
    ds = small(mnist, 200, "attrs")
    digits = ds.labels
    ds.labels = np.stack([digits % 2, digits < 5, digits == 0, digits == 1, digits > 7], 1)
    ds.labels = ds.labels.astype(np.uint8)
    ds.label_names = ["odd", "small", "zero", "one", "big"]
    clf = C.train_classifier(ds, out=None, epochs=1, batch_size=64)
    assert clf.multilabel and clf.classes == ds.label_names
    assert clf.model.get_layer("probabilities").get_config()["activation"] == "sigmoid"
    assert "mean_attribute_accuracy" in clf.meta["held_out"]
    p = clf.probabilities(ds.images[:10])
    assert p.shape == (10, 5) and not np.allclose(p.sum(axis=1), 1.0)


def test_unlabelled_is_one_line_error_and_no_classifier(mnist, tmp_path):
    ds = Dataset("plain", mnist.image_shape, images=mnist.images[:50])
    with pytest.raises(DatasetError, match="no labels") as err:
        C.train_classifier(ds, out=tmp_path / "b", epochs=1)
    assert "\n" not in str(err.value)
    assert C.classifier_for(ds) is None


def test_load_errors_are_one_line(tmp_path):
    with pytest.raises(ModelLoadError, match="no such classifier"):
        C.load_classifier(tmp_path / "nothing")
    (tmp_path / "f").mkdir()
    with pytest.raises(ModelLoadError, match="meta.json: missing"):
        C.load_classifier(tmp_path / "f")
    with pytest.raises(ModelLoadError, match="not a classifier bundle"):
        C.load_classifier(shipped_model("mnist_vae"))


def test_classifier_for_trains_once_into_the_cache(mnist, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    ds = small(mnist, 200, "cached")
    assert C.classifier_for(ds, train_if_missing=False) is None
    stopped = TaskState()
    stopped.request_stop()
    with pytest.raises(Cancelled):
        C.classifier_for(ds, state=stopped)
    cached = tmp_path / "latent-explorer" / "classifiers"
    assert not cached.exists() or not any(cached.iterdir())  # no half bundle
    calls = []
    real = C.train_classifier

    def counted(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **{**kwargs, "epochs": 1})

    monkeypatch.setattr(C, "train_classifier", counted)
    first = C.classifier_for(ds)
    folder = tmp_path / "latent-explorer" / "classifiers" / ds.fingerprint()
    assert (folder / "model.keras").is_file() and (folder / "meta.json").is_file()
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no temporary left
    second = C.classifier_for(ds)
    assert len(calls) == 1 and first.note == second.note == ""
    np.testing.assert_allclose(
        first.probabilities(ds.images[:5]), second.probabilities(ds.images[:5]), atol=1e-5
    )
    # a damaged cached classifier is trained again, not an error on every run
    model_file = folder / "model.keras"
    model_file.write_bytes(model_file.read_bytes()[:-100] + b"\0" * 100)
    third = C.classifier_for(ds)
    assert len(calls) == 2
    assert (
        third.note.startswith("the cached classifier was damaged (")
        and "trained again" in third.note
    )
    assert C.load_classifier(folder).meta["kind"] == "classifier"  # the cache verifies again
    assert C.classifier_for(ds).note == "" and len(calls) == 2


def test_a_cache_that_cannot_be_written_keeps_the_trained_classifier(mnist, monkeypatch, tmp_path):
    import errno

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    real = C.train_classifier
    monkeypatch.setattr(C, "train_classifier", lambda *a, **k: real(*a, **{**k, "epochs": 1}))

    def full_disk(folder, classifier):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(C, "save_classifier", full_disk)
    clf = C.classifier_for(small(mnist, 200, "uncached"))
    assert clf.note == "could not cache the classifier (No space left on device); using it uncached"
    assert clf.probabilities(mnist.images[:3]).shape == (3, 10)
    assert not any((tmp_path / "latent-explorer" / "classifiers").iterdir())  # nothing half


@pytest.mark.parametrize("multilabel", [False, True])
def test_a_data_set_of_one_class_is_refused_in_one_line(mnist, multilabel):
    ds = small(mnist, 100, "one-class")
    if multilabel:
        ds.labels, ds.label_names = np.ones((100, 3), np.uint8), ["a", "b", "c"]
        says = "every image has the same attributes"
    else:
        ds.labels = np.full(100, 3)
        says = "every image has label 3; a classifier needs at least two classes"
    with pytest.raises(DatasetError, match=says) as err:
        C.train_classifier(ds, out=None, epochs=1)
    assert "\n" not in str(err.value)


def test_pixel_pca_features_are_deterministic(mnist):
    pca = PixelPCA.fit(mnist.images[:500], n_components=64, seed=0)
    f = pca.features(mnist.images[500:600])
    assert f.shape == (100, 64) and f.dtype == np.float32
    again = PixelPCA().fit(mnist.images[:500], n_components=64, seed=0)
    np.testing.assert_array_equal(again.features(mnist.images[500:600]), f)
    floats = mnist.images[:5].astype(np.float32) / 255
    np.testing.assert_allclose(pca.features(floats), pca.features(mnist.images[:5]), atol=1e-5)
    fitted = np.var(pca.features(mnist.images[:500]), axis=0)
    assert np.all(np.diff(fitted) <= 1e-4)  # ordered by explained variance
    gram = PixelPCA.fit(mnist.images[:40], n_components=64)  # fewer images than pixels
    assert gram.features(mnist.images[:3]).shape == (3, 40)
    with pytest.raises(InvalidParameter):
        pca.features(np.zeros((2, 10, 10, 1), np.uint8))
