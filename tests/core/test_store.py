import zipfile

import numpy as np
import pytest

from explorer.core.errors import ModelLoadError
from explorer.core.model.pair import load_pair
from explorer.core.model.store import load_bundle, load_model
from explorer.core.runtime.tf_setup import keras

K = keras()


def _save(model, path):
    model.save(path)
    return path


def _encoder(outputs=1, z=4, shape=(8, 8, 1)):
    inp = K.Input(shape)
    x = K.layers.Flatten()(inp)
    outs = [K.layers.Dense(z, name=f"o{i}")(x) for i in range(outputs)]
    return K.Model(inp, outs if outputs > 1 else outs[0])


def _decoder(z=4, shape=(8, 8, 1)):
    inp = K.Input((z,))
    x = K.layers.Dense(int(np.prod(shape)), activation="sigmoid")(inp)
    return K.Model(inp, K.layers.Reshape(shape)(x))


@pytest.mark.parametrize(
    "outputs,kind,mode", [(1, "ae", "z"), (2, "vae", "mu_logvar"), (3, "vae", "mu_logvar_z")]
)
def test_pair_kinds(tmp_path, outputs, kind, mode):
    m = load_pair(
        _save(_encoder(outputs), tmp_path / "e.keras"), _save(_decoder(), tmp_path / "d.keras")
    )
    assert (m.kind, m.encoder_outputs, m.z_dim, m.input_shape) == (kind, mode, 4, (8, 8, 1))


def test_bundle_loads_with_meta(tiny_bundles):
    m = load_model(tiny_bundles["vae"])
    assert m.kind == "vae" and m.meta["kind"] == "vae" and m.bundle == tiny_bundles["vae"]
    assert m.fingerprint and m.cache_dir == tiny_bundles["vae"] / "cache"


def test_decoder_z_size_mismatch(tmp_path):
    with pytest.raises(
        ModelLoadError,
        match=r"d.keras: the decoder takes \(5,\) but the encoder e.keras gives z of size 4",
    ):
        load_pair(
            _save(_encoder(), tmp_path / "e.keras"), _save(_decoder(z=5), tmp_path / "d.keras")
        )


def test_decoder_image_shape_mismatch(tmp_path):
    with pytest.raises(ModelLoadError, match="d.keras: the decoder makes images of"):
        load_pair(
            _save(_encoder(), tmp_path / "e.keras"),
            _save(_decoder(shape=(8, 8, 3)), tmp_path / "d.keras"),
        )


def test_too_many_encoder_outputs(tmp_path):
    with pytest.raises(ModelLoadError, match="e.keras: the encoder has 4 outputs"):
        load_pair(_save(_encoder(4), tmp_path / "e.keras"), _save(_decoder(), tmp_path / "d.keras"))


def test_model_needing_custom_code(tmp_path):
    inp = K.Input((8, 8, 1))
    x = K.layers.Flatten()(inp)
    out = K.layers.Lambda(lambda t: t[:, :4] * 2.0)(x)
    path = _save(K.Model(inp, out), tmp_path / "lambda.keras")
    with pytest.raises(
        ModelLoadError,
        match=r"lambda.keras: this file runs Python code when loaded \(a Lambda layer\).*--trust-model-code",
    ):
        load_pair(path, _save(_decoder(), tmp_path / "d.keras"))


def test_corrupt_missing_and_wrong_files(tmp_path):
    good = _save(_decoder(), tmp_path / "d.keras")
    (tmp_path / "junk.keras").write_bytes(b"\x00not a zip at all")
    with pytest.raises(ModelLoadError, match="junk.keras: corrupt"):
        load_pair(tmp_path / "junk.keras", good)
    with zipfile.ZipFile(tmp_path / "empty.keras", "w") as z:
        z.writestr("hello.txt", "not a model")
    with pytest.raises(ModelLoadError, match="empty.keras: Keras could not load it"):
        load_pair(tmp_path / "empty.keras", good)
    with pytest.raises(ModelLoadError, match="missing.keras: file not found"):
        load_pair(tmp_path / "missing.keras", good)
    with pytest.raises(ModelLoadError, match="not a model bundle"):
        (tmp_path / "folder").mkdir()
        load_bundle(tmp_path / "folder")
    with pytest.raises(ModelLoadError, match="both --encoder and --decoder"):
        load_model(encoder=good)


def test_corrupt_meta(tmp_path, tiny_bundles):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny_bundles["ae"], copy)
    (copy / "meta.json").write_text("{ broken")
    with pytest.raises(ModelLoadError, match="corrupt meta.json"):
        load_bundle(copy)
