"""Working at CelebA scale: the stand-in faces, streamed encoding, the memory-mapped caches
(encodings and decoded images), cancels, and streaming of memory-mapped arrays."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import make_faces  # noqa: E402

from explorer.core.data.pipeline import make_tf_dataset  # noqa: E402
from explorer.core.errors import Cancelled  # noqa: E402
from explorer.core.progress import TaskState  # noqa: E402


@pytest.fixture(scope="module")
def faces(tmp_path_factory) -> Path:
    """24 stand-in faces plus one corrupt JPEG (sorted last: ``zz_corrupt.jpg``)."""
    out = tmp_path_factory.mktemp("faces")
    folder = make_faces.make_faces(out, 24, seed=3, workers=1)
    (folder / "zz_corrupt.jpg").write_bytes(b"\xff\xd8 this is not really a JPEG")
    return folder


@pytest.fixture(scope="module")
def model():
    """A small untrained VAE on 64x64x3 images."""
    from explorer.core.model.config import ModelConfig, preset
    from explorer.core.model.nets import build_model
    from explorer.core.model.store import wrap_trained

    arch = preset("celeba64", filters=[8, 16], z_dim=4)
    vae = build_model(ModelConfig(kind="vae", architecture=arch))
    return wrap_trained(vae, "tiny", "test")


def stop_after(fraction: float) -> TaskState:
    """A state whose own progress callback asks for a stop once ``fraction`` is reached."""
    state = TaskState()
    state._on_progress = lambda f, msg: state.request_stop() if f >= fraction else None
    return state


def test_standin_generator(tmp_path, faces):
    from PIL import Image

    from explorer.core.data.imagefiles import find_images, read_celeba_attributes

    files = [f for f in find_images(faces) if f.name != "zz_corrupt.jpg"]
    assert len(files) == 24 and files[0].name == "000001.jpg"
    arrays = []
    for f in files[:4]:
        with Image.open(f) as im:
            assert im.size == (178, 218) and im.mode == "RGB"
            arrays.append(np.asarray(im, dtype=np.float32))
    assert all(a.std() > 10 for a in arrays)  # not constant
    assert np.abs(arrays[0] - arrays[1]).mean() > 10  # images differ
    attr = faces.parent / make_faces.ATTR_FILE
    assert attr.read_text().splitlines()[0] == "24"
    labels, names = read_celeba_attributes(attr, files)
    assert names == make_faces.ATTRIBUTES and len(names) == 40
    assert labels.shape == (24, 40) and set(np.unique(labels)) <= {0, 1}
    assert np.array_equal(labels[5], make_faces.attributes(3, 5))
    # deterministic: the same seed gives the same pixels, another seed other pixels
    again, _ = make_faces.render(3, 0)
    other, _ = make_faces.render(4, 0)
    assert np.array_equal(np.asarray(again), np.asarray(make_faces.render(3, 0)[0]))
    assert not np.array_equal(np.asarray(again), np.asarray(other))
    assert make_faces.is_complete(faces.parent, 24, 3)


def test_streamed_encode_skips_corrupt_and_caches_memmapped(tmp_path, faces, model):
    from explorer.core.data.sources import open_dataset
    from explorer.core.latent.encoding import encode_dataset

    ds = open_dataset(str(faces), (64, 64, 3))
    assert ds.streamed and len(ds) == 25
    enc = encode_dataset(model, ds, batch_size=8, cache=tmp_path / "cache")
    assert enc.skipped == 1 and len(enc) == 24
    assert list(enc.indices) == list(range(24)) and enc.labels.shape == (24, 40)
    again = encode_dataset(model, ds, batch_size=8, cache=tmp_path / "cache")
    assert isinstance(again.z, np.memmap) and np.array_equal(again.z, enc.z)
    assert again.skipped == 1
    # invalidation: a changed file gives a new key, hence a new encoding
    entries = {p.name for p in (tmp_path / "cache").iterdir()}
    os.utime(ds.files[0], ns=(1, 1))
    encode_dataset(model, open_dataset(str(faces), (64, 64, 3)), 8, cache=tmp_path / "cache")
    assert len({p.name for p in (tmp_path / "cache").iterdir()} - entries) == 1


def test_encode_cancel_writes_nothing(tmp_path, faces, model):
    from explorer.core.data.sources import open_dataset
    from explorer.core.latent.encoding import encode_dataset

    ds = open_dataset(str(faces), (64, 64, 3))
    with pytest.raises(Cancelled):
        encode_dataset(model, ds, batch_size=4, cache=tmp_path / "c", state=stop_after(0.3))
    assert not (tmp_path / "c").exists() or not any((tmp_path / "c").iterdir())


def test_decoded_cache_round_trip_invalidation_and_cancel(tmp_path, faces, monkeypatch):
    import explorer.core.data.pipeline as pipeline
    from explorer.core.data.decoded_cache import decoded_dataset, map_indices
    from explorer.core.data.pipeline import unreadable_summary
    from explorer.core.data.sources import open_dataset

    root = tmp_path / "decoded"
    with pytest.raises(Cancelled):
        decoded_dataset(open_dataset(str(faces), (64, 64, 3)), root, stop_after(0.3), 4)
    assert not root.exists() or not any(root.iterdir())  # nothing half-written

    ds = open_dataset(str(faces), (64, 64, 3))
    cached = decoded_dataset(ds, root, batch_size=8)
    assert isinstance(cached.images, np.memmap) and cached.images.dtype == np.uint8
    assert cached.images.shape == (24, 64, 64, 3) and cached.extra["skipped"] == 1
    assert np.array_equal(cached.labels, ds.labels[:24])
    streamed = np.concatenate([x.numpy() for x in make_tf_dataset(ds, 8)])
    assert np.abs(streamed * 255 - cached.images).max() <= 0.5 + 1e-3  # same pixels, rounded
    assert list(map_indices(cached, np.array([3, 24, 0]))) == [3, 0]  # 24 is the corrupt one

    def no_decoding(*a, **k):
        raise AssertionError("the cache should have been reused")

    monkeypatch.setattr(pipeline, "uint8_batches", no_decoding)
    again = decoded_dataset(open_dataset(str(faces), (64, 64, 3)), root)
    assert unreadable_summary(again) == unreadable_summary(cached) != ""  # reasons kept
    assert again.extra["decoded_cache"] == cached.extra["decoded_cache"]
    monkeypatch.undo()

    os.utime(ds.files[1], ns=(2, 2))  # the folder changed: rebuilt, the stale entry removed
    fresh = decoded_dataset(open_dataset(str(faces), (64, 64, 3)), root, batch_size=8)
    assert fresh.extra["decoded_cache"] != cached.extra["decoded_cache"]
    assert [p.name for p in root.iterdir()] == [Path(fresh.extra["decoded_cache"]).name]


def test_a_decoded_cache_that_cannot_be_written_streams_instead(tmp_path, faces, monkeypatch):
    import errno

    import explorer.core.data.decoded_cache as decoded
    from explorer.core.data.sources import open_dataset

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(decoded, "decoded_dataset", full_disk)
    ds = open_dataset(str(faces), (64, 64, 3))
    train, val = np.arange(20), np.arange(20, 25)
    got, got_train, got_val, note = decoded.use_decoded_cache(ds, train, val)
    assert got is ds and got_train is train and got_val is val
    assert note == (
        "could not write the decoded-image cache (No space left on device); "
        "streaming the folder instead"
    )


def test_training_with_decoded_cache(tmp_path, faces, monkeypatch):
    from explorer.core.training.training import TrainConfig, train

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    options = dict(preset="celeba64", filters=[8, 16], z_dim=4, dataset=str(faces),
                   epochs=1, batch_size=8, cache_decoded=True)  # fmt: skip
    result = train(TrainConfig(out=str(tmp_path / "m"), **options))
    assert result.status == "finished" and result.epochs_done == 1
    assert result.unreadable.startswith("1 unreadable file skipped (first: ")  # the corrupt one
    assert len(list((tmp_path / "xdg" / "latent-explorer" / "decoded").iterdir())) == 1
    stopped = train(TrainConfig(out=str(tmp_path / "m2"), **options), state=stop_after(0.0))
    assert stopped.status == "cancelled" and stopped.epochs_done == 0


def test_tsne_and_kmeans_cancel():
    from threadpoolctl import threadpool_limits

    from explorer.core.stats.clustering import kmeans_inertia
    from explorer.core.stats.projection import tsne

    z = np.random.default_rng(0).normal(size=(300, 8))
    with threadpool_limits(1):  # tiny problems: more threads only spin on a shared machine
        with pytest.raises(Cancelled):
            tsne(z, perplexity=10, n_iter=200, n_jobs=1, state=stop_after(0.2))
        with pytest.raises(Cancelled):
            kmeans_inertia(z, [2, 4, 6, 8], state=stop_after(0.2))


def test_streaming_decision():
    from explorer.core.data.pipeline import STREAM_BYTES, streams

    assert not streams(np.zeros((10, 28, 28, 1), np.uint8))
    big = np.broadcast_to(
        np.zeros((1, 64, 64, 3), np.uint8), (STREAM_BYTES // 12288 + 1, 64, 64, 3)
    )
    assert streams(big)  # large in-memory arrays stream too (no allocation in this test)


def test_memmap_streams_without_copy_or_rss_growth(tmp_path):
    """A 300 MB memory-mapped array goes through tf.data without TensorFlow constants and
    without the process's peak RSS growing by anything like its size."""
    path = tmp_path / "images.npy"
    n = 300 * 2**20 // (64 * 64 * 3)
    arr = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=(n, 64, 64, 3))
    arr[::97] = 7  # some non-zero rows, the rest stays sparse
    arr.flush()
    del arr
    code = textwrap.dedent(
        f"""
        import json, resource
        import numpy as np
        from explorer.core.runtime.tf_setup import tensorflow
        from explorer.core.data.dataset import Dataset
        from explorer.core.data.pipeline import make_tf_dataset
        tf = tensorflow()
        consts = []
        real = tf.constant
        tf.constant = lambda v, *a, **k: (consts.append(np.size(v)), real(v, *a, **k))[1]
        images = np.load({str(path)!r}, mmap_mode="r")
        data = make_tf_dataset(Dataset("big", (64, 64, 3), images=images), 512, with_index=True)
        it = iter(data)
        next(it)
        rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        before, rows, total = rss(), 512, 0.0
        for x, i in it:
            rows += len(i)
            total += float(tf.reduce_max(x))
        print(json.dumps({{"rows": rows, "growth_mb": rss() - before, "total": total,
                           "biggest_constant": max(consts, default=0)}}))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["rows"] == n
    assert out["total"] > 0  # the non-zero rows were read
    assert out["biggest_constant"] < 1_000_000  # the array itself never became a constant
    # half its size: the array is never copied whole, while tf.data's AUTOTUNE prefetch may
    # hold a few float32 batches of 25 MB each (measured 90-133 MB, so 100 was flaky)
    assert out["growth_mb"] < 150, out
