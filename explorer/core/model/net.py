"""The one interface of every encoder and decoder file: :class:`Net`.

Loaders of each format (:mod:`explorer.core.model.keras_files` for ``.keras``/``.h5``,
:mod:`explorer.core.model.foreign_files` for SavedModel folders and ONNX files) return a
``Net``; :func:`explorer.core.model.model_files.load_net` picks the loader.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

Shape = tuple[int | None, ...]  # per example, unknown sizes as None


@dataclass
class Net:
    """An encoder or decoder of any format, called on float32 numpy batches.

    ``input_shape`` and ``output_shapes`` are per example (no batch axis), as the file
    declares them; ``activation`` is the last activation that sets the output's value range
    (``"sigmoid"``, ``"tanh"``, ...) or ``None`` when the file does not show one.
    """

    path: Path
    format: str
    input_shape: Shape
    output_shapes: list[Shape]
    output_names: list[str]
    activation: str | None
    runner: Any  # the Keras model, TFSMLayer or onnxruntime session
    endpoint: str = ""
    input_name: str = ""
    input_dtype: Any = np.float32
    batch: int | None = None  # a fixed batch size in the file (None: any)
    note: str = ""  # what loading changed, in one line (a sampling Lambda left out)
    _call: Callable[[np.ndarray], list[np.ndarray]] | None = field(default=None, repr=False)

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


def _in_fixed_batches(
    call: Callable[[np.ndarray], list[np.ndarray]], x: np.ndarray, batch: int
) -> list[np.ndarray]:
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

        def call(x: Any) -> Any:
            return fn(**{name: x}) if name else fn(x)

        def raw(x: Any) -> Any:
            out = call(x)
            return [out[k] for k in keys] if isinstance(out, dict) else out

    else:
        model = net.runner

        def raw(x: Any) -> Any:
            return model(x, training=False)

    compiled = tf.function(raw, input_signature=[spec], reduce_retracing=True, autograph=False)

    def run_tf(x: np.ndarray) -> list[np.ndarray]:
        out = compiled(x)
        parts = out if isinstance(out, (list, tuple)) else [out]
        return [np.asarray(t, dtype=np.float32) for t in parts]

    return run_tf


def per_example_shape(shape: Sequence[Any]) -> Shape:
    """Per-example shape: the batch axis dropped, unknown sizes as ``None``."""
    dims = [d if isinstance(d, (int, np.integer)) and int(d) > 0 else None for d in shape]
    return tuple(int(d) if d is not None else None for d in dims[1:])


def fixed_batch(shape: Sequence[Any]) -> int | None:
    """The batch size a file fixes (e.g. an ONNX export without a dynamic batch axis)."""
    first = list(shape)[0] if len(list(shape)) else None
    return int(first) if isinstance(first, (int, np.integer)) and int(first) > 0 else None


def first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:200]
