import numpy as np
import pytest

from explorer.core.data.sources import open_dataset
from explorer.core.errors import Cancelled, DatasetError
from explorer.core.latent.encoding import decode, encode_batch, encode_dataset
from explorer.core.model.store import load_model
from explorer.core.progress import TaskState


@pytest.fixture(scope="module")
def vae(tiny_bundles):
    return load_model(tiny_bundles["vae"])


def test_vae_encoding_has_mu_logvar_and_clipped_z(vae):
    x = open_dataset("mnist-5k").images[:64].astype(np.float32) / 255.0
    out = encode_batch(vae, x, np.random.default_rng(0))
    assert set(out) == {"mu", "logvar", "z"} and out["z"].shape == (64, 16)
    eps = (out["z"] - out["mu"]) / np.exp(0.5 * out["logvar"])
    assert np.abs(eps).max() <= vae.eps_clip + 1e-3
    np.testing.assert_allclose(vae.encoder(x)[0], out["mu"], rtol=1e-5, atol=1e-5)


def test_encode_dataset_uses_and_invalidates_cache(vae, tmp_path):
    ds = open_dataset("mnist-5k")
    ds.images, ds.labels = ds.images[:300], ds.labels[:300]
    first = encode_dataset(vae, ds, batch_size=128, cache=tmp_path)
    assert first.z.shape == (300, 16) and first.labels.tolist() == ds.labels.tolist()
    assert len(list(tmp_path.iterdir())) == 1
    again = encode_dataset(vae, ds, cache=tmp_path)
    assert isinstance(again.z, np.memmap)  # reopened memory-mapped, not recomputed
    np.testing.assert_array_equal(first.z, again.z)
    np.testing.assert_array_equal(first.mu, again.mu)
    ds.images = ds.images.copy()
    ds.images[0] = 255 - ds.images[0]  # the data changed: a new cache entry
    changed = encode_dataset(vae, ds, cache=tmp_path)
    assert len(list(tmp_path.iterdir())) == 2 and not np.array_equal(changed.mu[0], first.mu[0])


def test_encode_cancel_and_shape_check(vae, tmp_path):
    state = TaskState(lambda f, msg: state.request_stop())
    with pytest.raises(Cancelled):
        encode_dataset(vae, open_dataset("mnist-5k"), batch_size=64, state=state, cache=tmp_path)
    assert not any(tmp_path.iterdir())  # nothing half-written
    arrays = tmp_path / "rgb.npy"
    np.save(arrays, np.zeros((4, 28, 28, 3), np.uint8))
    with pytest.raises(DatasetError, match="expects 28x28x1"):
        encode_dataset(vae, open_dataset(str(arrays)), cache=False)


def test_decode_batches_match_single_calls(vae):
    z = np.random.default_rng(0).standard_normal((37, 16)).astype(np.float32)
    images = decode(vae, z, batch_size=16)
    assert images.shape == (37, 28, 28, 1) and images.dtype == np.uint8
    direct = np.round(np.clip(np.asarray(vae.decoder(z[30:31])), 0, 1) * 255).astype(np.uint8)
    assert np.abs(images[30].astype(int) - direct[0].astype(int)).max() <= 1
