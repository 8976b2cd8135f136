"""Model files from outside Keras: TensorFlow SavedModel folders (called through
``keras.layers.TFSMLayer``) and ONNX files (onnxruntime, CUDA provider when present)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from explorer.core.errors import ModelLoadError
from explorer.core.model.net import Net, first_line, fixed_batch, per_example_shape

ENDPOINTS = ("serve", "serving_default")


def savedmodel_net(path: Path) -> Net:
    from explorer.core.model.activations import graph_activation
    from explorer.core.runtime.tf_setup import keras, tensorflow

    tf = tensorflow()
    try:
        loaded = tf.saved_model.load(str(path))
    except Exception as exc:  # noqa: BLE001
        raise ModelLoadError(f"{path}: TensorFlow could not load the SavedModel ({exc})") from exc
    endpoint = choose_endpoint(path, list(loaded.signatures.keys()))
    fn = loaded.signatures[endpoint]
    args, kwargs = fn.structured_input_signature
    specs = list(args) + [kwargs[k] for k in sorted(kwargs)]
    if len(specs) != 1:
        raise ModelLoadError(
            f"{path}: endpoint '{endpoint}' takes {len(specs)} inputs; expected one image or z"
        )
    outputs = fn.structured_outputs
    if isinstance(outputs, dict):
        names = natural_sorted(outputs)
        out_specs = [outputs[k] for k in names]
    else:
        out_specs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        names = [f"output_{i}" for i in range(len(out_specs))]
    layer = keras().layers.TFSMLayer(str(path), call_endpoint=endpoint)
    # TFSMLayer calls an attribute endpoint with the batch itself, a signature by keyword
    input_name = "" if hasattr(loaded, endpoint) or not kwargs else sorted(kwargs)[0]
    return Net(
        path=path,
        format="savedmodel",
        input_shape=per_example_shape(specs[0].shape),
        output_shapes=[per_example_shape(s.shape) for s in out_specs],
        output_names=names,
        activation=graph_activation(fn, names[0] if isinstance(outputs, dict) else 0),
        runner=layer,
        endpoint=endpoint,
        input_name=input_name,
        input_dtype=np.dtype(specs[0].dtype.as_numpy_dtype),
        batch=fixed_batch(specs[0].shape),
    )


def choose_endpoint(path: Path, endpoints: list[str]) -> str:
    """``serve``, else ``serving_default``, else the only endpoint."""
    for name in ENDPOINTS:
        if name in endpoints:
            return name
    if len(endpoints) == 1:
        return endpoints[0]
    listed = ", ".join(endpoints) or "none"
    raise ModelLoadError(
        f"{path}: cannot choose a SavedModel endpoint: found {listed} (expected 'serve' or "
        "'serving_default')"
    )


def natural_sorted(names: Iterable[str]) -> list[str]:
    """``output_2`` before ``output_10``."""
    return sorted(
        names, key=lambda s: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]
    )


def onnx_providers() -> list[str]:
    """CUDA when onnxruntime offers it, then the CPU."""
    import onnxruntime as ort

    available = ort.get_available_providers()
    return [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]


def onnx_net(path: Path) -> Net:
    import onnxruntime as ort

    from explorer.core.model.activations import onnx_activation

    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only: no shape warnings on every call
    try:
        session = ort.InferenceSession(str(path), options, providers=onnx_providers())
    except Exception as exc:  # noqa: BLE001 - corrupt file, unsupported opset, ...
        msg = f"{path}: onnxruntime could not load it ({first_line(str(exc))})"
        raise ModelLoadError(msg) from exc
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if len(inputs) != 1:
        raise ModelLoadError(f"{path}: expected one input, found {len(inputs)}")
    dtype = _ONNX_TYPES.get(inputs[0].type)
    if dtype is None:
        raise ModelLoadError(f"{path}: the input type {inputs[0].type} is not a float tensor")
    return Net(
        path=path,
        format="onnx",
        input_shape=per_example_shape(inputs[0].shape),
        output_shapes=[per_example_shape(o.shape) for o in outputs],
        output_names=[o.name for o in outputs],
        activation=onnx_activation(path, outputs[0].name),
        runner=session,
        input_name=inputs[0].name,
        input_dtype=np.dtype(dtype),
        batch=fixed_batch(inputs[0].shape),
    )


_ONNX_TYPES = {
    "tensor(float)": "float32",
    "tensor(float16)": "float16",
    "tensor(double)": "float64",
}
