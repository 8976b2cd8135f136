import numpy as np
import pytest
from PIL import Image

from explorer.core.data.dataset import split_indices
from explorer.core.data.pipeline import make_tf_dataset
from explorer.core.data.sources import open_dataset
from explorer.core.errors import DatasetError


def test_mnist_5k_counts_and_labels():
    ds = open_dataset("mnist-5k")
    assert len(ds) == 5000 and ds.image_shape == (28, 28, 1)
    assert ds.images.dtype == np.uint8 and ds.images.max() == 255
    assert np.bincount(ds.labels).tolist() == [500] * 10
    assert ds.label_names == [str(d) for d in range(10)]
    batch = next(iter(make_tf_dataset(ds, 64)))
    assert batch.shape == (64, 28, 28, 1) and float(batch.numpy().max()) <= 1.0


@pytest.fixture
def image_folder(tmp_path):
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (218, 178, 3), dtype=np.uint8)).save(
        tmp_path / "000001.jpg"
    )
    Image.fromarray(rng.integers(0, 255, (50, 40), dtype=np.uint8)).save(
        tmp_path / "000002.png"
    )  # grey
    sub = tmp_path / "more"
    sub.mkdir()
    Image.fromarray(rng.integers(0, 255, (30, 30, 4), dtype=np.uint8), "RGBA").save(
        sub / "000003.png"
    )
    (sub / "000004.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg" * 20)
    (tmp_path / "notes.txt").write_text("ignored")
    attrs = ["Smiling", "Male"]
    lines = [
        "4",
        " ".join(attrs),
        "000001.jpg  1 -1",
        "000002.png -1  1",
        "000003.png  1  1",
        "000004.jpg -1 -1",
    ]
    (tmp_path / "list_attr_celeba.txt").write_text("\n".join(lines) + "\n")
    return tmp_path


def test_image_folder_skips_corrupt_and_converts(image_folder):
    ds = open_dataset(str(image_folder), (32, 32, 3))
    assert len(ds) == 4 and ds.streamed
    assert ds.label_names == ["Smiling", "Male"]
    assert ds.labels.tolist() == [[1, 0], [0, 1], [1, 1], [0, 0]]
    seen, shapes = [], set()
    for x, idx in make_tf_dataset(ds, 3, with_index=True):
        shapes.add(tuple(x.shape[1:]))
        assert float(x.numpy().min()) >= 0.0 and float(x.numpy().max()) <= 1.0
        seen += idx.numpy().tolist()
    assert seen == [0, 1, 2]  # the corrupt JPEG (index 3) is skipped, not fatal
    assert shapes == {(32, 32, 3)}
    assert ds.image(0).shape == (32, 32, 3)
    with pytest.raises(DatasetError, match="000004.jpg"):
        ds.image(3)


def test_image_folder_grey_model(image_folder):
    ds = open_dataset(str(image_folder), (16, 16, 1))
    x = next(iter(make_tf_dataset(ds, 8)))
    assert x.shape == (3, 16, 16, 1)


def test_empty_folder_and_missing_paths(tmp_path):
    with pytest.raises(DatasetError, match="no images found"):
        open_dataset(str(tmp_path))
    with pytest.raises(DatasetError, match="no such data set"):
        open_dataset(str(tmp_path / "nope"))


def test_arrays(tmp_path):
    imgs = np.random.default_rng(0).random((10, 8, 8), dtype=np.float32)
    np.savez(tmp_path / "a.npz", images=imgs, labels=np.arange(10))
    ds = open_dataset(str(tmp_path / "a.npz"))
    assert (
        ds.image_shape == (8, 8, 1)
        and ds.images.dtype == np.uint8
        and ds.labels.tolist() == list(range(10))
    )
    np.save(tmp_path / "b.npy", (imgs * 255).astype(np.uint8))
    assert len(open_dataset(str(tmp_path / "b.npy"))) == 10
    with pytest.raises(DatasetError, match="model expects"):
        open_dataset(str(tmp_path / "b.npy"), (28, 28, 1))
    (tmp_path / "bad.npz").write_bytes(b"garbage")
    with pytest.raises(DatasetError, match="bad.npz"):
        open_dataset(str(tmp_path / "bad.npz"))


def test_keras_cache_path(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    cache = tmp_path / "datasets"
    cache.mkdir()
    rng = np.random.default_rng(0)
    np.savez(
        cache / "mnist.npz",
        x_train=rng.integers(0, 255, (6, 28, 28), dtype=np.uint8),
        y_train=np.arange(6) % 10,
        x_test=rng.integers(0, 255, (4, 28, 28), dtype=np.uint8),
        y_test=np.arange(4),
    )
    ds = open_dataset("mnist")
    assert (
        len(ds) == 10 and ds.image_shape == (28, 28, 1) and ds.labels.tolist()[-4:] == [0, 1, 2, 3]
    )


def test_keras_dataset_offline_without_cache(tmp_path, monkeypatch):
    from explorer.core.runtime.tf_setup import keras

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def offline():
        raise OSError("network is unreachable")

    monkeypatch.setattr(keras().datasets.fashion_mnist, "load_data", offline)
    with pytest.raises(
        DatasetError, match="fashion-mnist is not in the Keras cache .* could not be downloaded"
    ):
        open_dataset("fashion-mnist")


def test_split_is_deterministic_and_disjoint():
    a_tr, a_va = split_indices(100, 0.2, seed=1)
    b_tr, b_va = split_indices(100, 0.2, seed=1)
    c_tr, _ = split_indices(100, 0.2, seed=2)
    assert a_tr.tolist() == b_tr.tolist() and a_va.tolist() == b_va.tolist()
    assert len(a_va) == 20 and not set(a_tr) & set(a_va) and len(set(a_tr) | set(a_va)) == 100
    assert a_tr.tolist() != c_tr.tolist()
