"""Small encoders and decoders of every file format, built inside the tests.

Each ``make_*`` writes a file (or folder) under ``tmp`` and returns its path together with a
numpy function that computes what the framework computes, for independent reference values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.core.runtime.tf_setup import keras

K = keras()
SHAPE = (8, 8, 1)
Z = 4


def keras_encoder(outputs: int = 2, shape=SHAPE, z: int = Z, seed: int = 0):
    """Flatten -> Dense heads (one per output)."""
    K.utils.set_random_seed(seed)
    inp = K.Input(shape)
    x = K.layers.Flatten()(inp)
    outs = [K.layers.Dense(z, name=f"head{i}")(x) for i in range(outputs)]
    return K.Model(inp, outs if outputs > 1 else outs[0])


def keras_decoder(activation: str = "sigmoid", shape=SHAPE, z: int = Z, seed: int = 1):
    """Dense -> Activation -> Reshape (the activation sits behind a shape-only layer)."""
    K.utils.set_random_seed(seed)
    inp = K.Input((z,))
    x = K.layers.Dense(int(np.prod(shape)))(inp)
    x = K.layers.Activation(activation)(x)
    return K.Model(inp, K.layers.Reshape(shape)(x))


def lambda_vae_encoder(shape=SHAPE, z: int = Z):
    """The seeds' Keras 2 style VAE encoder: mu, logvar and a ``Lambda`` sampling layer whose
    function uses the Keras 2 backend as ``B`` (only run after loading, where the tool lends
    it; ``output_shape`` spares Keras from calling it while building)."""
    inp = K.Input(shape)
    x = K.layers.Flatten()(inp)
    mu = K.layers.Dense(z, name="mu")(x)
    logvar = K.layers.Dense(z, name="logvar")(x)
    sample = K.layers.Lambda(
        lambda t: t[0] + B.exp(t[1] / 2.0) * B.random_normal(shape=B.shape(t[0])),  # noqa: F821
        output_shape=(z,),
        name="z",
    )([mu, logvar])
    return K.Model(inp, [mu, logvar, sample])


def onnx_pair(
    tmp: Path,
    channels_first: bool = True,
    activation: str = "Tanh",
    seed: int = 0,
    batch: str | int = "batch",
):
    """An ONNX encoder (image -> Flatten -> MatMul -> mu, logvar) and decoder (z -> MatMul ->
    activation -> Reshape), built with onnx's helpers; ``batch`` is the batch axis: a name
    (dynamic) or a fixed size, as an export without ``dynamic_axes`` has.

    Returns ``(encoder_path, decoder_path, encode_ref, decode_ref)``; the reference functions
    take arrays laid out as the ONNX files expect.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    h, w, c = SHAPE
    image = [c, h, w] if channels_first else [h, w, c]
    n_in = h * w * c
    w_mu = rng.normal(0, 0.3, (n_in, Z)).astype(np.float32)
    w_lv = rng.normal(0, 0.1, (n_in, Z)).astype(np.float32)
    w_dec = rng.normal(0, 0.5, (Z, n_in)).astype(np.float32)

    def save(nodes, inputs, outputs, inits, name):
        graph = helper.make_graph(nodes, name, inputs, outputs, inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        onnx.checker.check_model(model)
        path = tmp / f"{name}.onnx"
        onnx.save(model, str(path))
        return path

    enc = save(
        [
            helper.make_node("Flatten", ["image"], ["flat"], axis=1),
            helper.make_node("MatMul", ["flat", "w_mu"], ["mu"]),
            helper.make_node("MatMul", ["flat", "w_lv"], ["logvar"]),
        ],
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [batch, *image])],
        [
            helper.make_tensor_value_info("mu", TensorProto.FLOAT, [batch, Z]),
            helper.make_tensor_value_info("logvar", TensorProto.FLOAT, [batch, Z]),
        ],
        [numpy_helper.from_array(w_mu, "w_mu"), numpy_helper.from_array(w_lv, "w_lv")],
        "encoder",
    )
    dec = save(
        [
            helper.make_node("MatMul", ["z", "w_dec"], ["pre"]),
            helper.make_node(activation, ["pre"], ["act"]),
            helper.make_node("Reshape", ["act", "shape"], ["image"]),
        ],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [batch, Z])],
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [batch, *image])],
        [
            numpy_helper.from_array(w_dec, "w_dec"),
            numpy_helper.from_array(np.array([-1, *image], np.int64), "shape"),
        ],
        "decoder",
    )
    act = {"Tanh": np.tanh, "Sigmoid": lambda v: 1 / (1 + np.exp(-v)), "Relu": _relu}[activation]

    def encode_ref(x):
        flat = x.reshape(len(x), -1)
        return flat @ w_mu, flat @ w_lv

    def decode_ref(z):
        return act(z @ w_dec).reshape(len(z), *image)

    return enc, dec, encode_ref, decode_ref


def _relu(v):
    return np.maximum(v, 0)


def images(n: int = 5, seed: int = 3) -> np.ndarray:
    """uint8 images of SHAPE as an in-memory data set would hold them."""
    return np.random.default_rng(seed).integers(0, 256, (n, *SHAPE), dtype=np.uint8)
