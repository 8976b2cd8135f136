"""Every model file format, checked against the framework's own computation: .keras, .h5,
SavedModel (export and tf.saved_model.save), ONNX (built with onnx's helpers), trusted Lambda
VAEs and custom classes, tanh decoders, channels-first pairs and value ranges."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.errors import InvalidParameter, ModelLoadError
from explorer.core.latent.encoding import decode, encode_batch
from explorer.core.model.foreign_files import choose_endpoint
from explorer.core.model.keras_files import UntrustedModelCode
from explorer.core.model.model_files import load_net
from explorer.core.model.pair import LoadOptions, load_pair
from explorer.core.model.store import load_model
from tests.core.model_builders import (
    SHAPE,
    K,
    images,
    keras_decoder,
    keras_encoder,
    lambda_vae_encoder,
    onnx_pair,
)


def _float(x):
    return x.astype(np.float32) / 255.0


def _pixels(y):
    return np.round(np.clip(y, 0, 1) * 255).astype(np.uint8)


@pytest.mark.parametrize("fmt", ["keras", "h5", "export", "tf_saved_model"])
def test_keras_and_tensorflow_formats_match_the_framework(tmp_path, fmt):
    import tensorflow as tf

    enc, dec = keras_encoder(2), keras_decoder("sigmoid")
    paths = []
    for name, model in (("enc", enc), ("dec", dec)):
        if fmt in ("keras", "h5"):
            path = tmp_path / f"{name}.{fmt}"
            model.save(path)
        elif fmt == "export":
            path = tmp_path / f"{name}_export"
            model.export(path, verbose=False)
        else:
            path = tmp_path / f"{name}_tfsm"
            tf.saved_model.save(model, str(path))
        paths.append(path)
    m = load_pair(*paths)
    assert (m.kind, m.encoder_outputs, m.z_dim, m.input_shape) == ("vae", "mu_logvar", 4, SHAPE)
    assert (
        m.encoder.format
        == m.decoder.format
        == {"keras": "keras", "h5": "h5"}.get(fmt, "savedmodel")
    )
    assert m.output_range == (0.0, 1.0) and m.range_notes["output"].startswith("detected")
    x = images()
    codes = encode_batch(m, _float(x))
    mu, logvar = (t.numpy() for t in enc(_float(x)))
    np.testing.assert_allclose(codes["mu"], mu, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(codes["logvar"], logvar, rtol=1e-5, atol=1e-5)
    z = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)
    np.testing.assert_array_equal(decode(m, z), _pixels(dec(z).numpy()))


def test_savedmodel_endpoint_choice(tmp_path):
    import tensorflow as tf

    assert choose_endpoint(tmp_path, ["serving_default", "serve"]) == "serve"
    assert choose_endpoint(tmp_path, ["serving_default", "other"]) == "serving_default"
    assert choose_endpoint(tmp_path, ["only"]) == "only"

    class Two(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec((None, 4), tf.float32)])
        def left(self, z):
            return z * 2.0

        @tf.function(input_signature=[tf.TensorSpec((None, 4), tf.float32)])
        def right(self, z):
            return z * 3.0

    module = Two()
    path = tmp_path / "two"
    tf.saved_model.save(module, str(path), signatures={"left": module.left, "right": module.right})
    with pytest.raises(
        ModelLoadError, match=r"cannot choose a SavedModel endpoint: found left, right"
    ):
        load_net(path)


def test_onnx_channels_first_tanh_pair(tmp_path):
    enc_path, dec_path, encode_ref, decode_ref = onnx_pair(tmp_path, channels_first=True)
    m = load_pair(enc_path, dec_path)
    assert m.channels_first and m.input_shape == SHAPE
    assert (m.encoder.format, m.decoder.format, m.decoder.activation) == ("onnx", "onnx", "tanh")
    assert m.output_range == (-1.0, 1.0) and m.input_range == (-1.0, 1.0)
    x = images()
    codes = encode_batch(m, _float(x))
    # the encoder is fed images mapped to [-1, 1] and transposed to (n, c, h, w)
    fed = (_float(x) * 2.0 - 1.0).transpose(0, 3, 1, 2)
    mu, logvar = encode_ref(fed)
    np.testing.assert_allclose(codes["mu"], mu, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(codes["logvar"], logvar, rtol=1e-4, atol=1e-4)
    z = np.random.default_rng(1).normal(size=(7, 4)).astype(np.float32)
    expected = _pixels((decode_ref(z).transpose(0, 2, 3, 1) + 1.0) / 2.0)
    got = decode(m, z)
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1  # float rounding at .5


def test_ranges_are_detected_assumed_or_given(tmp_path):
    enc_path, dec_path, _, decode_ref = onnx_pair(tmp_path, channels_first=False, activation="Relu")
    m = load_pair(enc_path, dec_path)
    assert not m.channels_first and m.decoder.activation is None
    assert m.output_range == (0.0, 1.0) and m.range_notes["output"].startswith("assumed")
    given = load_pair(enc_path, dec_path, LoadOptions(output_range=(0.0, 255.0)))
    z = np.random.default_rng(2).normal(size=(5, 4)).astype(np.float32)
    expected = _pixels(decode_ref(z) / 255.0)
    assert np.abs(decode(given, z).astype(int) - expected.astype(int)).max() <= 1
    assert given.range_notes == {"input": "assumed (the default)", "output": "given"}
    with pytest.raises(InvalidParameter, match="output range must be finite with LO < HI"):
        LoadOptions(output_range=(1.0, 1.0))
    with pytest.raises(InvalidParameter, match="--model-code runs Python code"):
        LoadOptions(code="x.py")


def test_tanh_keras_decoder_is_mapped_not_clipped(tmp_path):
    enc, dec = keras_encoder(1), keras_decoder("tanh")
    enc.save(tmp_path / "e.keras")
    dec.save(tmp_path / "d.h5")
    m = load_pair(tmp_path / "e.keras", tmp_path / "d.h5")
    assert m.output_range == (-1.0, 1.0) and m.kind == "ae"
    z = np.random.default_rng(3).normal(size=(9, 4)).astype(np.float32)
    y = dec(z).numpy()
    assert y.min() < -0.3  # a clip to [0, 1] would lose these
    np.testing.assert_array_equal(decode(m, z), _pixels((y + 1.0) / 2.0))


def test_lambda_vae_refused_then_trusted(tmp_path):
    enc = lambda_vae_encoder()
    enc.save(tmp_path / "vae_enc.h5")
    keras_decoder().save(tmp_path / "vae_dec.h5")
    with pytest.raises(UntrustedModelCode, match=r"vae_enc.h5: this file runs Python code"):
        load_pair(tmp_path / "vae_enc.h5", tmp_path / "vae_dec.h5")
    m = load_pair(tmp_path / "vae_enc.h5", tmp_path / "vae_dec.h5", LoadOptions(trust=True))
    assert m.trusted and m.encoder_outputs == "mu_logvar_z"
    x = images()
    codes = encode_batch(m, _float(x))
    mu = K.Model(enc.inputs, enc.get_layer("mu").output)(_float(x)).numpy()
    np.testing.assert_allclose(codes["mu"], mu, rtol=1e-5, atol=1e-5)
    assert not np.allclose(codes["z"], codes["mu"])  # z comes from the Lambda's sampling


CUSTOM_CODE = """
import keras


class Doubler(keras.layers.Layer):
    def call(self, x):
        return 2.0 * x
"""


def test_custom_class_needs_its_code_and_trust(tmp_path):
    code = tmp_path / "layers.py"
    code.write_text(CUSTOM_CODE)
    from explorer.core.model.keras_files import load_model_code

    doubler = load_model_code(code, trust=True)["Doubler"]
    inp = K.Input(SHAPE)
    out = K.layers.Dense(4)(doubler()(K.layers.Flatten()(inp)))
    K.Model(inp, out).save(tmp_path / "custom.keras")
    keras_decoder().save(tmp_path / "d.keras")
    with pytest.raises(
        ModelLoadError, match=r"needs the custom class or function 'Doubler'.*--model-code"
    ):
        load_pair(tmp_path / "custom.keras", tmp_path / "d.keras")
    options = LoadOptions(trust=True, code=str(code))
    m = load_pair(tmp_path / "custom.keras", tmp_path / "d.keras", options)
    assert m.kind == "ae" and m.z_dim == 4


def test_unbuilt_sequential_and_foreign_files(tmp_path):
    K.Sequential([K.layers.Dense(3)]).save(tmp_path / "seq.keras")
    with pytest.raises(ModelLoadError, match=r"seq.keras: the model was never built"):
        load_net(tmp_path / "seq.keras")
    (tmp_path / "w.h5").write_bytes(b"not hdf5 at all")
    with pytest.raises(ModelLoadError, match=r"w.h5: corrupt or not an HDF5"):
        load_net(tmp_path / "w.h5")
    (tmp_path / "cut.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 64)  # a cut-off file
    with pytest.raises(ModelLoadError, match=r"cut.h5: corrupt HDF5"):
        load_net(tmp_path / "cut.h5")
    keras_decoder().save_weights(tmp_path / "only.weights.h5")
    with pytest.raises(ModelLoadError, match=r"holds only weights"):
        load_net(tmp_path / "only.weights.h5")
    (tmp_path / "m.onnx").write_bytes(b"\x08garbage")
    with pytest.raises(ModelLoadError, match=r"m.onnx: onnxruntime could not load it"):
        load_net(tmp_path / "m.onnx")
    (tmp_path / "model.pt").write_bytes(b"torch")
    with pytest.raises(ModelLoadError, match=r"unknown model format .pt; use .keras, .h5, .onnx"):
        load_net(tmp_path / "model.pt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelLoadError, match=r"a folder without saved_model.pb"):
        load_net(tmp_path / "empty")


def test_mixed_formats_and_shape_checks(tmp_path):
    enc_path, _, _, _ = onnx_pair(tmp_path, channels_first=False)
    keras_decoder(z=4).save(tmp_path / "d.h5")
    m = load_model(encoder=enc_path, decoder=tmp_path / "d.h5")
    assert (m.encoder.format, m.decoder.format, m.kind) == ("onnx", "h5", "vae")
    keras_decoder(z=5).save(tmp_path / "d5.keras")
    with pytest.raises(ModelLoadError, match=r"the decoder takes \(5,\) but the encoder"):
        load_model(encoder=enc_path, decoder=tmp_path / "d5.keras")
    (tmp_path / "cf").mkdir()
    enc_cf, _, _, _ = onnx_pair(tmp_path / "cf", channels_first=True)
    with pytest.raises(ModelLoadError, match=r"makes images of \(8, 8, 1\), but the encoder"):
        load_model(encoder=enc_cf, decoder=tmp_path / "d.h5")


def test_onnx_with_a_fixed_batch_of_one(tmp_path):
    enc_path, dec_path, encode_ref, decode_ref = onnx_pair(tmp_path, batch=1)
    m = load_pair(enc_path, dec_path)
    assert m.encoder.batch == 1 and m.decoder.batch == 1
    x = images(7)
    fed = (_float(x) * 2.0 - 1.0).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(encode_batch(m, _float(x))["mu"], encode_ref(fed)[0], atol=1e-4)
    z = np.random.default_rng(4).normal(size=(3, 4)).astype(np.float32)
    expected = _pixels((decode_ref(z).transpose(0, 2, 3, 1) + 1.0) / 2.0)
    assert np.abs(decode(m, z).astype(int) - expected.astype(int)).max() <= 1
