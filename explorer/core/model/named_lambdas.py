"""``Lambda`` layers whose function is saved by name, not as code.

Keras 3 saves a ``Lambda`` of a named (module-level) function as that name only
(``{"class_name": "function", "config": "sampling"}``): the file does not hold the function,
and loading it fails deep inside Keras ("Functional could not be deserialized"). Before
loading, :func:`prepare` reads the file's config and

* when such a Lambda only turns the encoder's ``mu`` and ``logvar`` into ``z`` (two inputs of
  the output's shape: the classic VAE sampling layer), writes a copy of the file without it,
  its inputs as the model's outputs instead, so the encoder loads (the tool samples z
  itself) with a note saying so, and no code runs;
* otherwise raises one line naming the layer and the function, and that ``--model-code
  FILE.py`` provides it (unless that file is given).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from explorer.core.errors import ModelLoadError

CONFIG = "config.json"


@dataclass
class Prepared:
    """The file to load (the original, or a copy without the sampling layer) and a note."""

    path: Path
    note: str = ""
    temporary: bool = False

    def cleanup(self) -> None:
        if self.temporary:
            self.path.unlink(missing_ok=True)


def prepare(path: Path, code_names: set[str] | None = None) -> Prepared:
    """The ``.keras`` file to load for ``path`` (see the module docstring); ``code_names``:
    the names the user's ``--model-code`` file defines (None: no such file)."""
    if path.suffix.lower() != ".keras":
        return Prepared(path)
    try:
        with zipfile.ZipFile(path) as z:
            config = json.loads(z.read(CONFIG))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return Prepared(path)  # Keras's own load says what is wrong
    model = config.get("config", {}) if isinstance(config, dict) else {}
    layers = model.get("layers") if isinstance(model, dict) else None
    if not isinstance(layers, list):
        return Prepared(path)
    named = [(layer, fn) for layer in layers if (fn := _named_function(layer)) is not None]
    missing = [(layer, fn) for layer, fn in named if code_names is None or fn not in code_names]
    if not missing:
        return Prepared(path)
    sampling = len(missing) == 1 and _looks_like_sampling(missing[0][1], missing[0][0], model)
    if sampling and (outputs := _without_sampling(model, missing[0][0])) is not None:
        layer, fn = missing[0]
        model["layers"] = [entry for entry in layers if entry is not layer]
        model["output_layers"] = outputs
        copy = _rewritten(path, config)
        note = (
            f"{path.name}: its Lambda layer '{layer.get('name')}' (function '{fn}', saved by "
            "name, not in the file) only samples z from mu and logvar; loaded without it: "
            "the tool samples z itself"
        )
        return Prepared(copy, note, temporary=True)
    layer, fn = missing[0]
    raise ModelLoadError(
        f"{path}: its Lambda layer '{layer.get('name')}' calls the function '{fn}', which Keras "
        "saves by name, not as code, so the file does not hold it; give the Python file that "
        "defines it with --model-code FILE.py --trust-model-code"
    )


_SAMPLING_WORDS = re.compile(r"sampl|reparam", re.I)
_MEAN, _SPREAD = re.compile(r"mu|mean", re.I), re.compile(r"var|sigma|std", re.I)


def _looks_like_sampling(fn: str, layer: dict, model: dict) -> bool:
    """Whether a Lambda is by its names a VAE's sampling step: its function or layer is
    named for sampling (``sampling``, ``reparameterize``), or its two inputs come from layers
    named for a mean and a (log) variance (``z_mean``, ``z_log_var``). Anything else (a sum of
    two branches) is not left out: its function is asked for instead."""
    if _SAMPLING_WORDS.search(fn) or _SAMPLING_WORDS.search(str(layer.get("name", ""))):
        return True
    nodes = layer.get("inbound_nodes") or []
    sources = [h[0] for h in (_history(t) for t in _tensors(nodes)) if h is not None]
    return len(sources) == 2 and bool(_MEAN.search(sources[0])) and bool(_SPREAD.search(sources[1]))


def _named_function(layer: Any) -> str | None:
    """The function name of a Lambda saved by name, else None."""
    if not isinstance(layer, dict) or layer.get("class_name") != "Lambda":
        return None
    fn = (layer.get("config") or {}).get("function")
    if isinstance(fn, dict) and fn.get("class_name") == "function":
        name = fn.get("config")
        return name if isinstance(name, str) else None
    return None


def _without_sampling(model: dict, layer: dict) -> list | None:
    """The model's outputs with the sampling Lambda ``layer`` replaced by its two inputs
    (mu and logvar), when that is all it does; else None."""
    name = str(layer.get("name", ""))
    nodes = layer.get("inbound_nodes") or []
    if len(nodes) != 1:
        return None
    args = nodes[0].get("args") or []
    inputs = args[0] if len(args) == 1 and isinstance(args[0], list) else args
    sources = [h for t in inputs if (h := _history(t)) is not None]
    if len(inputs) != 2 or len(sources) != 2:
        return None
    shapes = [_shape(t) for t in inputs]
    out_shape = ((layer.get("build_config") or {}).get("input_shape") or [None])[0]
    if shapes[0] != shapes[1] or (out_shape is not None and list(out_shape) != shapes[0]):
        return None
    if _used_by_other_layers(model, name):
        return None
    declared = model.get("output_layers") or []
    if declared and isinstance(declared[0], str):  # one output: saved as one [name, 0, 0]
        declared = [declared]
    outputs = [list(o) for o in declared if o[0] != name]
    if len(outputs) == len(declared):
        return None  # not an output: something else would miss it
    for source in sources:
        if source not in outputs:
            outputs.append(source)
    return outputs


def _history(tensor: Any) -> list | None:
    try:
        history = tensor["config"]["keras_history"]
    except (KeyError, TypeError):
        return None
    return list(history) if isinstance(history, list) and len(history) == 3 else None


def _shape(tensor: Any) -> list | None:
    try:
        return list(tensor["config"]["shape"])
    except (KeyError, TypeError):
        return None


def _used_by_other_layers(model: dict, name: str) -> bool:
    """Whether a layer takes the Lambda's output (then it is more than the last step)."""
    return any(
        (history := _history(t)) is not None and history[0] == name
        for other in model.get("layers", [])
        for node in other.get("inbound_nodes") or []
        for t in _tensors(node)
    )


def _tensors(value: Any) -> list:
    """Every serialised tensor inside a node's arguments."""
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            return [value]
        return [t for v in value.values() for t in _tensors(v)]
    if isinstance(value, list):
        return [t for v in value for t in _tensors(v)]
    return []


def _rewritten(path: Path, config: dict) -> Path:
    """A copy of the ``.keras`` archive with ``config``, in a temporary file."""
    fd, name = tempfile.mkstemp(prefix=f"{path.stem}.", suffix=".keras")
    os.close(fd)
    copy = Path(name)
    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(copy, "w") as dst:
            for item in src.infolist():
                data = json.dumps(config).encode() if item.filename == CONFIG else src.read(item)
                dst.writestr(item, data)
    except (OSError, zipfile.BadZipFile) as exc:
        copy.unlink(missing_ok=True)
        raise ModelLoadError(
            f"{path}: cannot prepare it without its sampling layer ({exc})"
        ) from exc
    return copy
