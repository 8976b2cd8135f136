"""Data checks: value ranges of float arrays, unreadable folders, empty encodings and
sampler parameters that overflow float32."""

import numpy as np
import pytest

from explorer.core.data.dataset import Dataset
from explorer.core.data.sources import open_dataset
from explorer.core.errors import DatasetError, InvalidParameter, NeedsDataError
from explorer.core.latent.samplers import SAMPLERS
from explorer.core.latent.sampling import sample
from explorer.core.model.store import read_meta
from explorer.core.training.training import TrainConfig, train
from tests.conftest import TINY

FLOATS = np.random.default_rng(0).random((20, 8, 8), dtype=np.float32)


def _save(tmp_path, name, images):
    path = tmp_path / name
    np.savez(path, images=images)
    return path


def _corrupt_folder(tmp_path, n=3):
    folder = tmp_path / "broken"
    folder.mkdir()
    for i in range(n):
        (folder / f"{i:06d}.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg" * 10)
    return folder


@pytest.mark.parametrize(
    ("images", "expected_range"),
    [(FLOATS, (0.0, 1.0)), (FLOATS * 2 - 1, (-1.0, 1.0))],
)
def test_float_ranges_are_detected_and_mapped(tmp_path, images, expected_range):
    ds = open_dataset(_save(tmp_path, "f.npz", images))
    assert ds.value_range == expected_range and ds.images.dtype == np.uint8
    np.testing.assert_array_equal(ds.images[..., 0], np.round(FLOATS * 255).astype(np.uint8))
    lo, hi = expected_range
    assert ds.value_note == f"f.npz: float values in [{lo:g}, {hi:g}] (detected)"


def test_given_data_range_maps_0_255(tmp_path):
    ds = open_dataset(_save(tmp_path, "f.npz", FLOATS * 255), data_range=(0, 255))
    assert ds.value_range == (0.0, 255.0) and "(from --data-range)" in ds.value_note
    np.testing.assert_array_equal(ds.images[..., 0], np.round(FLOATS * 255).astype(np.uint8))


def test_0_255_floats_need_data_range(tmp_path):
    with pytest.raises(
        DatasetError,
        match=r"20 images have values outside \[0, 1\] \(first: image 0\).*--data-range 0:255",
    ):
        open_dataset(_save(tmp_path, "f.npz", FLOATS * 255))


def test_values_outside_the_range_count_and_first(tmp_path):
    bad = FLOATS * 2 - 1
    bad[17, 0, 0], bad[18, 3, 3] = 1.5, -3.0
    with pytest.raises(
        DatasetError,
        match=r"f.npz: 2 images have values outside \[-1, 1\] \(first: image 17\); pass --data-range LO:HI",
    ):
        open_dataset(_save(tmp_path, "f.npz", bad))
    with pytest.raises(
        DatasetError, match=r"1 image has values outside \[-2, 1.5\] \(first: image 18\)"
    ):
        open_dataset(tmp_path / "f.npz", data_range=(-2, 1.5))


@pytest.mark.parametrize("data_range", [None, (0, 1)])
def test_nan_and_inf_are_refused(tmp_path, data_range):
    bad = FLOATS.copy()
    bad[4, 1, 1], bad[9, 0, 0] = np.nan, np.inf
    with pytest.raises(DatasetError, match=r"2 images contain NaN or inf \(first: image 4\)"):
        open_dataset(_save(tmp_path, "f.npz", bad), data_range=data_range)


@pytest.mark.parametrize("data_range", [(5, 1), (0, 0), (0, float("nan")), ("a", 1)])
def test_bad_data_range(tmp_path, data_range):
    with pytest.raises(InvalidParameter, match="data range must"):
        open_dataset(_save(tmp_path, "f.npz", FLOATS), data_range=data_range)
    with pytest.raises(InvalidParameter, match="data range must"):
        TrainConfig(out=str(tmp_path / "x"), data_range=data_range).validate()


def test_uint8_data_keep_their_values_and_say_a_range_is_not_used(tmp_path):
    raw = np.round(FLOATS * 255).astype(np.uint8)
    np.save(tmp_path / "u.npy", raw)
    plain = open_dataset(tmp_path / "u.npy")
    assert plain.value_range is None and plain.value_note == ""
    ranged = open_dataset(tmp_path / "u.npy", data_range=(0, 255))
    np.testing.assert_array_equal(ranged.images[..., 0], raw)
    assert ranged.value_note == "u.npy: 8-bit images, --data-range 0:255 not used"


def test_integer_arrays_of_0_255_still_open(tmp_path):
    np.save(tmp_path / "i.npy", np.round(FLOATS * 255).astype(np.int64))
    ds = open_dataset(tmp_path / "i.npy")
    assert ds.value_range == (0.0, 255.0) and "integer values in [0, 255]" in ds.value_note


def test_folder_without_a_readable_image(tmp_path):
    folder = _corrupt_folder(tmp_path)
    with pytest.raises(DatasetError, match=r"broken: no image could be read \(3 files tried\)"):
        open_dataset(folder, (28, 28, 1))


def test_encoding_without_z_points_is_an_error(tiny_bundles, tmp_path):
    from explorer.core.latent.encoding import encode_dataset
    from explorer.core.model.store import load_model

    model = load_model(tiny_bundles["ae"])
    folder = _corrupt_folder(tmp_path, 2)
    streamed = Dataset("broken", (28, 28, 1), files=sorted(folder.iterdir()), source=str(folder))
    cache = tmp_path / "cache"
    with pytest.raises(DatasetError, match=r"no image could be read \(2 files tried\)"):
        encode_dataset(model, streamed, cache=cache)
    empty = Dataset("none", (28, 28, 1), images=np.zeros((0, 28, 28, 1), np.uint8), source="e.npz")
    with pytest.raises(DatasetError, match="e.npz: the data set has no images"):
        encode_dataset(model, empty, cache=cache)
    assert not cache.exists() or not any(cache.iterdir())


def _tiny(out, **kw):
    return TrainConfig.from_options(
        **{**TINY, "kind": "ae", "out": str(out), "epochs": 1, "max_images": None, **kw}
    )


def test_train_refuses_bad_data_before_creating_the_bundle(tmp_path):
    with pytest.raises(DatasetError, match=r"no image could be read \(3 files tried\)"):
        train(_tiny(tmp_path / "a", dataset=str(_corrupt_folder(tmp_path))))
    assert not (tmp_path / "a").exists()
    floats = _save(tmp_path, "f.npz", np.random.default_rng(1).random((64, 28, 28)) * 255)
    with pytest.raises(DatasetError, match="--data-range 0:255"):
        train(_tiny(tmp_path / "b", dataset=str(floats)))
    assert not (tmp_path / "b").exists()


def test_train_records_the_data_range_and_resume_reuses_it(tmp_path):
    floats = _save(tmp_path, "f.npz", np.random.default_rng(1).random((64, 28, 28)) * 255)
    out, events = tmp_path / "m", []
    train(_tiny(out, dataset=str(floats), data_range=(0, 255)), on_event=events.append)
    assert read_meta(out)["dataset"]["data_range"] == [0.0, 255.0]
    assert events[0]["data_note"] == "f.npz: float values in [0, 255] (from --data-range)"
    again = train(TrainConfig(out=str(out), resume=True, epochs=1))
    assert again.epochs_done == 2 and read_meta(out)["dataset"]["data_range"] == [0.0, 255.0]


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("uniform", {"limit": 1e308}, "limit must be within float32 range"),
        ("normal", {"std": 1e200}, "std must be within float32 range"),
        ("normal", {"mean": 1e300}, "mean must be within float32 range"),
        ("pca", {"span": 1e300}, "span must be within float32 range"),
        ("grid2d", {"x_range": (-1e39, 1)}, "x_range must be within float32 range"),
        ("interpolate", {"start": [1e39, 0], "end": [0, 0]}, "start must stay within float32"),
        ("normal", {"mean": 3e38, "std": 1e38}, r"overflow float32 with mean=3e\+38, std=1e\+38"),
        ("pca", {"span": 1e38}, r"'pca' sampler's z-points overflow float32 with span=1e\+38"),
    ],
)
def test_overflowing_parameters_are_refused(name, params, message):
    data = np.random.default_rng(0).normal(0, 50, (100, 2))
    with pytest.raises(InvalidParameter, match=message):
        sample(name, 16, 2, data=data if SAMPLERS[name].needs_data else None, **params)


def test_empty_encoded_data_do_not_ask_for_a_data_set():
    with pytest.raises(NeedsDataError, match="the data set gave none") as info:
        sample("pca", 4, 2, data=np.empty((0, 2)))
    assert "--dataset" not in str(info.value)
