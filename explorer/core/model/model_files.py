"""One loader per model file format behind one interface: :class:`Net`.

An encoder or a decoder may be, independently:

* ``keras``: a Keras 3 ``.keras`` file;
* ``h5``: a legacy Keras 2 full-model ``.h5``/``.hdf5`` file (Keras 3 reads these);
* ``savedmodel``: a TensorFlow SavedModel folder (``model.export()``,
  ``tf.saved_model.save()``), called through ``keras.layers.TFSMLayer``;
* ``onnx``: an ``.onnx`` file run with onnxruntime (CUDA provider when present, else CPU).

Shapes come from each format's own signature. Keras files load with ``safe_mode=True``; a
file that needs Python code to load (a ``Lambda`` layer, a custom class) is refused with
:class:`UntrustedModelCode` unless the caller trusts it (``trust=True``), and a custom class
also needs the file that defines it (``code``). The last activation of a network is read from
the file where the format shows it (:mod:`explorer.core.model.activations`), which gives the value
range of a decoder's images.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.errors import ModelLoadError

H5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
ENDPOINTS = ("serve", "serving_default")
TRUST_FLAG = "--trust-model-code"


class UntrustedModelCode(ModelLoadError):
    """A model file runs Python code when loaded; it loads only when the user trusts it."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(
            f"{path}: this file runs Python code when loaded ({why}); load it only if you "
            f"trust where it came from ({TRUST_FLAG})"
        )
        self.path = path


@dataclass
class Net:
    """An encoder or decoder of any format, called on float32 numpy batches.

    ``input_shape`` and ``output_shapes`` are per example (no batch axis), as the file
    declares them; ``activation`` is the last activation that sets the output's value range
    (``"sigmoid"``, ``"tanh"``, ...) or ``None`` when the file does not show one.
    """

    path: Path
    format: str
    input_shape: tuple
    output_shapes: list[tuple]
    output_names: list[str]
    activation: str | None
    runner: Any  # the Keras model, TFSMLayer or onnxruntime session
    endpoint: str = ""
    input_name: str = ""
    input_dtype: Any = np.float32
    batch: int | None = None  # a fixed batch size in the file (None: any)
    _call: Callable | None = field(default=None, repr=False)

    @property
    def keras(self) -> Any:
        """The Keras model behind a ``keras``/``h5`` net (``None`` for the other formats)."""
        return self.runner if self.format in ("keras", "h5") else None

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        """Run the net on a batch laid out as the file expects; one array per output."""
        if self._call is None:
            self._call = _make_call(self)
        x = np.asarray(x, dtype=self.input_dtype)
        if self.batch is None or len(x) == self.batch:
            return self._call(x)
        return _in_fixed_batches(self._call, x, self.batch)


def _in_fixed_batches(call: Callable, x: np.ndarray, batch: int) -> list[np.ndarray]:
    """Run a net exported with a fixed batch size: chunks of that size, the last one padded."""
    parts: list[list[np.ndarray]] = []
    for start in range(0, len(x), batch):
        chunk = x[start : start + batch]
        pad = batch - len(chunk)
        if pad:
            chunk = np.concatenate([chunk, np.zeros((pad, *chunk.shape[1:]), chunk.dtype)])
        outs = call(chunk)
        parts.append([o[: batch - pad] for o in outs])
    return [np.concatenate(column) for column in zip(*parts, strict=True)]


def detect_format(path: str | Path) -> str:
    """The format of ``path`` from its suffix or layout; a clear error for anything else."""
    path = Path(path)
    if not path.exists():
        raise ModelLoadError(f"{path}: file not found")
    if path.is_dir():
        if (path / "saved_model.pb").is_file() or (path / "saved_model.pbtxt").is_file():
            return "savedmodel"
        if (path / "model.keras").is_file():
            raise ModelLoadError(
                f"{path}: a model bundle folder; give it as the model, not as --encoder/--decoder"
            )
        raise ModelLoadError(
            f"{path}: a folder without saved_model.pb; expected a SavedModel folder or a "
            ".keras, .h5 or .onnx file"
        )
    suffix = path.suffix.lower()
    if suffix == ".keras":
        return "keras"
    if suffix in (".h5", ".hdf5"):
        return "h5"
    if suffix == ".onnx":
        return "onnx"
    raise ModelLoadError(
        f"{path}: unknown model format {suffix or '(no suffix)'}; use .keras, .h5, .onnx "
        "or a SavedModel folder"
    )


def load_net(
    path: str | Path, trust: bool = False, code: str | Path | None = None, compile: bool = False
) -> Net:
    """Load one encoder or decoder file of any format (see the module docstring)."""
    path = Path(path)
    fmt = detect_format(path)
    if fmt in ("keras", "h5"):
        model = load_keras_model(path, trust=trust, code=code, compile=compile)
        return keras_net(model, path, fmt)
    if fmt == "savedmodel":
        return _savedmodel_net(path)
    return _onnx_net(path)


# ---------------------------------------------------------------- Keras (.keras, .h5)


def load_keras_model(
    path: Path, trust: bool = False, code: str | Path | None = None, compile: bool = True
) -> Any:
    """``keras.models.load_model`` with ``safe_mode`` unless trusted; one clear line on error."""
    _check_keras_container(path)
    import explorer.core.model.nets  # noqa: F401 - registers our serialisable classes
    from explorer.core.runtime.tf_setup import keras

    custom = load_model_code(code, trust) if code is not None else None
    try:
        model = keras().models.load_model(
            path, custom_objects=custom, safe_mode=not trust, compile=compile
        )
    except Exception as exc:  # noqa: BLE001 - Keras raises many kinds; one message each
        raise _keras_load_error(path, exc, trust, code) from exc
    if trust:
        from explorer.core.model.lambda_globals import lend_globals

        lend_globals(model)
    return model


def _check_keras_container(path: Path) -> None:
    if path.suffix.lower() == ".keras" and not zipfile.is_zipfile(path):
        raise ModelLoadError(f"{path}: corrupt or not a Keras model file (not a zip archive)")
    if path.suffix.lower() in (".h5", ".hdf5"):
        with open(path, "rb") as f:
            if f.read(8) != H5_SIGNATURE:
                raise ModelLoadError(f"{path}: corrupt or not an HDF5 (.h5) model file")
        import h5py

        try:
            with h5py.File(path, "r") as f:
                has_model = "model_config" in f.attrs
        except OSError as exc:
            raise ModelLoadError(f"{path}: corrupt HDF5 (.h5) file ({exc})") from exc
        if not has_model:
            raise ModelLoadError(
                f"{path}: holds only weights (no model architecture); save the whole "
                "model with model.save('model.h5')"
            )


def _keras_load_error(path: Path, exc: Exception, trust: bool, code) -> ModelLoadError:
    text = str(exc)
    missing = re.search(r"Could not locate (?:class|function) '([^']+)'", text)
    if "safe_mode" in text or "Lambda" in text:
        if trust:
            return ModelLoadError(f"{path}: Keras could not load it ({_first_line(text)})")
        return UntrustedModelCode(path, "a Lambda layer")
    if missing or "Unknown layer" in text or ("Unknown" in text and "class" in text):
        name = missing.group(1) if missing else _first_line(text)
        if code is not None:
            return ModelLoadError(f"{path}: needs '{name}', which {code} does not define")
        return ModelLoadError(
            f"{path}: needs the custom class or function '{name}', which is not registered; "
            f"give the Python file that defines it with --model-code FILE.py {TRUST_FLAG}"
        )
    return ModelLoadError(
        f"{path}: Keras could not load it ({type(exc).__name__}: {_first_line(text)})"
    )


_CODE_RUN: dict[tuple[str, int], dict[str, Any]] = {}


def load_model_code(code: str | Path, trust: bool) -> dict[str, Any]:
    """Run the user's Python file and return what it defines (classes, functions) by name, as
    Keras ``custom_objects``. Runs code: only with ``trust``; once per version of the file
    (an encoder and a decoder share it)."""
    code = Path(code)
    if not trust:
        raise ModelLoadError(f"{code}: running model code needs {TRUST_FLAG}")
    if not code.is_file():
        raise ModelLoadError(f"{code}: model code file not found")
    key = (str(code.resolve()), code.stat().st_mtime_ns)
    if key not in _CODE_RUN:
        _CODE_RUN[key] = _run_code(code)
    return _CODE_RUN[key]


def _run_code(code: Path) -> dict[str, Any]:
    name = "latent_explorer_model_code_" + re.sub(r"\W", "_", code.stem)
    spec = importlib.util.spec_from_file_location(name, code)
    if spec is None or spec.loader is None:
        raise ModelLoadError(f"{code}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - the user's code: report, never crash
        raise ModelLoadError(f"{code}: failed to run ({type(exc).__name__}: {exc})") from exc
    return {k: v for k, v in vars(module).items() if not k.startswith("_") and callable(v)}


def keras_net(model: Any, path: Path, fmt: str = "keras") -> Net:
    """A :class:`Net` over a loaded Keras model (an unbuilt model gets one clear message)."""
    from explorer.core.model.activations import keras_activation

    try:
        inputs, outputs = model.inputs, model.outputs
    except (AttributeError, ValueError):
        inputs = outputs = None
    if not inputs or not outputs:
        raise ModelLoadError(
            f"{path}: the model was never built, so it has no input shape (an unbuilt "
            "keras.Sequential); give it keras.Input(shape=...) as its first layer, or call "
            "model.build((None, ...)) before saving"
        )
    if len(inputs) != 1:
        raise ModelLoadError(f"{path}: expected one input, found {len(inputs)}")
    return Net(
        path=path,
        format=fmt,
        input_shape=_shape(inputs[0].shape),
        output_shapes=[_shape(o.shape) for o in outputs],
        output_names=[_keras_output_name(o, i) for i, o in enumerate(outputs)],
        activation=keras_activation(model),
        runner=model,
    )


def _keras_output_name(tensor: Any, i: int) -> str:
    history = getattr(tensor, "_keras_history", None)
    return str(history[0].name) if history else f"output_{i}"


# ---------------------------------------------------------------- SavedModel


def _savedmodel_net(path: Path) -> Net:
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
        input_shape=_shape(specs[0].shape),
        output_shapes=[_shape(s.shape) for s in out_specs],
        output_names=names,
        activation=graph_activation(fn, names[0] if isinstance(outputs, dict) else 0),
        runner=layer,
        endpoint=endpoint,
        input_name=input_name,
        input_dtype=np.dtype(specs[0].dtype.as_numpy_dtype),
        batch=_fixed_batch(specs[0].shape),
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


def natural_sorted(names) -> list[str]:
    """``output_2`` before ``output_10``."""
    return sorted(
        names, key=lambda s: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]
    )


# ---------------------------------------------------------------- ONNX


def onnx_providers() -> list[str]:
    """CUDA when onnxruntime offers it, then the CPU."""
    import onnxruntime as ort

    available = ort.get_available_providers()
    return [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]


def _onnx_net(path: Path) -> Net:
    import onnxruntime as ort

    from explorer.core.model.activations import onnx_activation

    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only: no shape warnings on every call
    try:
        session = ort.InferenceSession(str(path), options, providers=onnx_providers())
    except Exception as exc:  # noqa: BLE001 - corrupt file, unsupported opset, ...
        msg = f"{path}: onnxruntime could not load it ({_first_line(str(exc))})"
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
        input_shape=_shape(inputs[0].shape),
        output_shapes=[_shape(o.shape) for o in outputs],
        output_names=[o.name for o in outputs],
        activation=onnx_activation(path, outputs[0].name),
        runner=session,
        input_name=inputs[0].name,
        input_dtype=np.dtype(dtype),
        batch=_fixed_batch(inputs[0].shape),
    )


_ONNX_TYPES = {
    "tensor(float)": "float32",
    "tensor(float16)": "float16",
    "tensor(double)": "float64",
}


# ---------------------------------------------------------------- calling


def _make_call(net: Net) -> Callable[[np.ndarray], list[np.ndarray]]:
    if net.format == "onnx":
        session, name = net.runner, net.input_name

        def run_onnx(x: np.ndarray) -> list[np.ndarray]:
            return [np.asarray(o, dtype=np.float32) for o in session.run(None, {name: x})]

        return run_onnx
    from explorer.core.runtime.tf_setup import tensorflow

    tf = tensorflow()
    spec = tf.TensorSpec((net.batch, *net.input_shape), tf.as_dtype(net.input_dtype))
    if net.format == "savedmodel":
        fn, name, keys = net.runner.call_endpoint_fn, net.input_name, net.output_names

        def call(x):
            return fn(**{name: x}) if name else fn(x)

        def raw(x):
            out = call(x)
            return [out[k] for k in keys] if isinstance(out, dict) else out

    else:
        model = net.runner

        def raw(x):
            return model(x, training=False)

    compiled = tf.function(raw, input_signature=[spec], reduce_retracing=True, autograph=False)

    def run_tf(x: np.ndarray) -> list[np.ndarray]:
        out = compiled(x)
        parts = out if isinstance(out, (list, tuple)) else [out]
        return [np.asarray(t, dtype=np.float32) for t in parts]

    return run_tf


def _shape(shape) -> tuple:
    """Per-example shape: the batch axis dropped, unknown sizes as ``None``."""
    dims = [d if isinstance(d, (int, np.integer)) and int(d) > 0 else None for d in shape]
    return tuple(int(d) if d is not None else None for d in dims[1:])


def _fixed_batch(shape) -> int | None:
    """The batch size a file fixes (e.g. an ONNX export without a dynamic batch axis)."""
    first = list(shape)[0] if len(list(shape)) else None
    return int(first) if isinstance(first, (int, np.integer)) and int(first) > 0 else None


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:200]
