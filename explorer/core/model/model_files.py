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

from pathlib import Path

from explorer.core.errors import ModelLoadError
from explorer.core.model.foreign_files import onnx_net, savedmodel_net
from explorer.core.model.keras_files import keras_net, load_keras_model
from explorer.core.model.net import Net


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
        notes: list[str] = []
        model = load_keras_model(path, trust=trust, code=code, compile=compile, notes=notes)
        return keras_net(model, path, fmt, note="; ".join(notes))
    if fmt == "savedmodel":
        return savedmodel_net(path)
    return onnx_net(path)
