"""Keras model files: ``.keras`` (Keras 3) and legacy ``.h5``/``.hdf5`` (Keras 2).

They load with ``safe_mode=True``; a file that needs Python code to load (a ``Lambda`` layer,
a custom class) is refused with :class:`UntrustedModelCode` unless the caller trusts it, and a
custom class also needs the file that defines it (``--model-code``).
"""

from __future__ import annotations

import importlib.util
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

from explorer.core.errors import ModelLoadError
from explorer.core.model.net import Net, first_line, per_example_shape

H5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
TRUST_FLAG = "--trust-model-code"


class UntrustedModelCode(ModelLoadError):
    """A model file runs Python code when loaded; it loads only when the user trusts it."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(
            f"{path}: this file runs Python code when loaded ({why}); load it only if you "
            f"trust where it came from ({TRUST_FLAG})"
        )
        self.path = path


def load_keras_model(
    path: Path,
    trust: bool = False,
    code: str | Path | None = None,
    compile: bool = True,
    notes: list[str] | None = None,
) -> Any:
    """``keras.models.load_model`` with ``safe_mode`` unless trusted; one clear line on error.
    A ``Lambda`` saved by name only is handled first (:mod:`explorer.core.model.named_lambdas`);
    what that did is appended to ``notes``."""
    _check_keras_container(path)
    import explorer.core.model.nets  # noqa: F401 - registers our serialisable classes
    from explorer.core.model.named_lambdas import prepare
    from explorer.core.runtime.tf_setup import keras

    custom = load_model_code(code, trust) if code is not None else None
    prepared = prepare(path, set(custom) if custom is not None else None)
    if prepared.note and notes is not None:
        notes.append(prepared.note)
    try:
        model = keras().models.load_model(
            prepared.path, custom_objects=custom, safe_mode=not trust, compile=compile
        )
    except Exception as exc:  # noqa: BLE001 - Keras raises many kinds; one message each
        raise _keras_load_error(path, exc, trust, code) from exc
    finally:
        prepared.cleanup()
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


def _keras_load_error(
    path: Path, exc: Exception, trust: bool, code: str | Path | None
) -> ModelLoadError:
    text = str(exc)
    missing = re.search(r"Could not locate (?:class|function) '([^']+)'", text)
    if "safe_mode" in text or "Lambda" in text:
        if trust:
            return ModelLoadError(f"{path}: Keras could not load it ({first_line(text)})")
        return UntrustedModelCode(path, "a Lambda layer")
    if missing or "Unknown layer" in text or ("Unknown" in text and "class" in text):
        name = missing.group(1) if missing else first_line(text)
        if code is not None:
            return ModelLoadError(f"{path}: needs '{name}', which {code} does not define")
        return ModelLoadError(
            f"{path}: needs the custom class or function '{name}', which is not registered; "
            f"give the Python file that defines it with --model-code FILE.py {TRUST_FLAG}"
        )
    return ModelLoadError(
        f"{path}: Keras could not load it ({type(exc).__name__}: {first_line(text)})"
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


def keras_net(model: Any, path: Path, fmt: str = "keras", note: str = "") -> Net:
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
        input_shape=per_example_shape(inputs[0].shape),
        output_shapes=[per_example_shape(o.shape) for o in outputs],
        output_names=[_keras_output_name(o, i) for i, o in enumerate(outputs)],
        activation=keras_activation(model),
        runner=model,
        note=note,
    )


def _keras_output_name(tensor: Any, i: int) -> str:
    history = getattr(tensor, "_keras_history", None)
    return str(history[0].name) if history else f"output_{i}"
