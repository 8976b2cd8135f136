"""Reconstructions (explorer.core.latent.reconstruct): the grid's rows, the per-image losses
against the training loss computed independently, pairs without a training config, the
user's own files and the choice of data set images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from explorer.core.data.dataset import split_indices
from explorer.core.data.pipeline import uint8_batches
from explorer.core.data.sources import open_dataset
from explorer.core.errors import DatasetError, InvalidParameter
from explorer.core.latent.reconstruct import (
    check_shapes,
    pick_indices,
    read_files,
    reconstruct,
    reconstruct_all,
    tile_rows,
)
from explorer.core.model.store import load_model
from explorer.core.runtime.tf_setup import keras
from tests.core.model_builders import keras_decoder, keras_encoder

ROOT = Path(__file__).resolve().parents[2]
MODELS = {kind: ROOT / "models" / f"mnist_{kind}" for kind in ("ae", "vae")}


@pytest.fixture(scope="module")
def shipped(shipped_models):
    return {kind: shipped_models[path.name] for kind, path in MODELS.items()}


@pytest.fixture(scope="module")
def mnist_images():
    ds = open_dataset("mnist-5k", (28, 28, 1))
    return np.stack([ds.image(i) for i in (3, 17, 404, 4999, 1000)])


def _bce(x, p):
    """Summed binary cross-entropy per image, as the seeds (and training) define it."""
    p = np.clip(p.astype(np.float64), 1e-7, 1 - 1e-7)
    per_pixel = -(x * np.log(p) + (1 - x) * np.log(1 - p))
    return per_pixel.reshape(len(x), -1).sum(axis=1)


def test_grid_first_row_is_the_originals_then_one_row_per_model(shipped, mnist_images):
    recs = reconstruct_all([shipped["ae"], shipped["vae"]], mnist_images)
    grid = tile_rows(mnist_images, recs, padding=2)
    n, step = len(mnist_images), 28 + 2
    assert grid.shape == (3 * step + 2, n * step + 2)
    for row, expected in enumerate([mnist_images, recs[0].pixels, recs[1].pixels]):
        for col in range(n):
            y, x = 2 + row * step, 2 + col * step
            np.testing.assert_array_equal(grid[y : y + 28, x : x + 28], expected[col, ..., 0])
    assert not np.array_equal(recs[0].pixels, mnist_images)  # a reconstruction, not a copy
    # Padding untouched: white lines between the tiles, as in sample's grids.
    assert (grid[:2] == 255).all() and (grid[:, :2] == 255).all()
    assert (grid[step : step + 2] == 255).all()
    sharp = tile_rows(mnist_images, recs, padding=2, sharpen={"radius": 2, "percent": 150})
    np.testing.assert_array_equal(sharp[: step + 2], grid[: step + 2])  # originals unsharpened
    assert not np.array_equal(sharp[step + 2 :], grid[step + 2 :])


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_loss_is_the_training_loss_of_the_same_images(shipped, mnist_images, kind):
    rec = reconstruct(shipped[kind], mnist_images)
    assert rec.loss_kind == "bce" and rec.loss_source == "training"
    assert rec.reconstructed_from == ("mu" if kind == "vae" else "z")
    info = rec.info()
    assert info["reconstructed_from"] == rec.reconstructed_from and len(info["loss"]) == 5
    # Independently: the trained Keras model, its own encoder and decoder, the seeds' formula.
    trained = keras().saving.load_model(MODELS[kind] / "model.keras")
    x = mnist_images.astype(np.float32) / 255.0
    code = trained.encoder(x)
    z = code[0] if kind == "vae" else code  # a VAE decodes its mean
    x_hat = np.asarray(trained.decoder(z))
    np.testing.assert_allclose(rec.loss, _bce(x.astype(np.float64), x_hat), rtol=1e-4)
    mse = ((x_hat.astype(np.float64) - x) ** 2).reshape(5, -1).mean(axis=1)
    np.testing.assert_allclose(rec.mse, mse, rtol=1e-4)
    np.testing.assert_allclose(rec.output, x_hat, atol=1e-6)
    # The loss is on the scale the model trained at: its recorded validation loss.
    assert 30 < rec.loss.mean() < 3 * shipped[kind].meta["history"][-1]["val_reco_loss"]


def test_a_pair_without_training_config_uses_summed_squared_error(tmp_path):
    enc, dec = tmp_path / "enc.keras", tmp_path / "dec.keras"
    keras_encoder(outputs=1).save(enc)
    keras_decoder("tanh").save(dec)  # makes [-1, 1]: mapped to [0, 1] for the metrics
    model = load_model(encoder=enc, decoder=dec)
    images = np.random.default_rng(0).integers(0, 256, (4, 8, 8, 1), dtype=np.uint8)
    rec = reconstruct(model, images)
    assert (rec.loss_kind, rec.loss_source, rec.reconstructed_from) == ("mse", "default", "z")
    x = images / 255.0
    assert model.input_range == (-1.0, 1.0)  # taken from the tanh output: the encoder too
    y = np.asarray(keras().saving.load_model(dec)(keras().saving.load_model(enc)(x * 2 - 1)))
    unit = (y.astype(np.float64) + 1) / 2
    sq = ((unit - x) ** 2).reshape(4, -1)
    np.testing.assert_allclose(rec.loss, sq.sum(axis=1), rtol=1e-4)
    np.testing.assert_allclose(rec.mse, sq.mean(axis=1), rtol=1e-4)


def test_own_files_of_other_sizes_and_colour(tmp_path):
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:37, 0:50]  # 50 wide, 37 high: smooth, so resizers agree closely
    rgb = np.stack([xx * 5, yy * 6, (xx + yy) * 2], axis=-1).astype(np.uint8)
    Image.fromarray(rgb).save(tmp_path / "me.png")
    grey = rng.integers(0, 256, (40, 30), dtype=np.uint8)
    Image.fromarray(grey).save(tmp_path / "me.jpg", quality=95)
    files = [tmp_path / "me.png", tmp_path / "me.jpg"]
    out = read_files(files, (28, 28, 1))
    assert out.shape == (2, 28, 28, 1) and out.dtype == np.uint8
    # Exactly what training reads from a folder holding these files.
    folder = open_dataset(tmp_path, (28, 28, 1))
    by_name = {f.name: k for k, f in enumerate(folder.files)}
    for x, idx in uint8_batches(folder):
        for image, i in zip(x, idx, strict=True):
            np.testing.assert_array_equal(out[files.index(tmp_path / folder.files[i].name)], image)
    assert sorted(by_name) == ["me.jpg", "me.png"]
    # The centre 37x37 square of the RGB image, in grey, resized: close to PIL's reading.
    expected = Image.fromarray(rgb).convert("L").crop((6, 0, 43, 37)).resize((28, 28))
    assert np.abs(out[0, ..., 0].astype(int) - np.asarray(expected)).max() <= 3
    colour = read_files([tmp_path / "me.jpg"], (16, 16, 3))
    assert colour.shape == (1, 16, 16, 3)
    np.testing.assert_array_equal(colour[0, ..., 0], colour[0, ..., 2])  # grey -> equal RGB
    (tmp_path / "bad.png").write_bytes(b"not an image")
    with pytest.raises(DatasetError, match="bad.png"):
        read_files([tmp_path / "bad.png"], (28, 28, 1))


def test_pick_indices_draws_from_the_training_split():
    train, val = split_indices(5000, 0.1, seed=0)
    got = pick_indices(5000, count=6, split="validation", seed=3)
    assert len(got) == 6 and np.all(np.diff(got) > 0) and np.isin(got, val).all()
    assert np.isin(pick_indices(5000, count=6, split="train", seed=3), train).all()
    assert not np.array_equal(got, pick_indices(5000, count=6, split="validation", seed=4))
    np.testing.assert_array_equal(pick_indices(5000, indices=[9, 0, 5]), [9, 0, 5])
    with pytest.raises(InvalidParameter, match="5000 is outside the data set"):
        pick_indices(5000, indices=[0, 5000])
    with pytest.raises(InvalidParameter, match="more than the 500 images"):
        pick_indices(5000, count=501)


def test_models_of_different_input_shapes_are_refused(shipped, tmp_path):
    enc, dec = tmp_path / "enc.keras", tmp_path / "dec.keras"
    keras_encoder(outputs=1).save(enc)
    keras_decoder().save(dec)
    small = load_model(encoder=enc, decoder=dec)
    with pytest.raises(InvalidParameter, match="takes 8x8x1 images but mnist_ae takes 28x28x1"):
        check_shapes([shipped["ae"], small])
