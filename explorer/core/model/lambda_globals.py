"""Names that the Python functions of trusted ``Lambda`` layers expect to find.

Keras stores a ``Lambda`` layer's function as bytecode, without its module's globals; Keras
3 rebuilds it with the globals of its own utility module. A VAE's sampling function written
for TensorFlow 2 / Keras 2 (the seeds' era) refers to ``tf``, ``np`` or the Keras 2 backend
as ``K`` or ``B`` (``K.random_normal(shape=K.shape(mu))``, ``K.exp``), which then do not
exist and the first call fails. For a file the user trusts, each Lambda's function gets
these names, each only where the function does not define it already.
"""

from __future__ import annotations

import builtins
import types
from collections.abc import Iterator
from typing import Any


def keras2_backend() -> types.SimpleNamespace:
    """The part of Keras 2's ``keras.backend`` that sampling layers use, on TensorFlow."""
    from explorer.core.runtime.tf_setup import tensorflow

    tf = tensorflow()

    def random_normal(
        shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: Any = None
    ) -> Any:
        return tf.random.normal(shape, mean, stddev, dtype or tf.float32, seed)

    return types.SimpleNamespace(
        shape=tf.shape,
        int_shape=lambda x: tuple(x.shape),
        random_normal=random_normal,
        exp=tf.exp,
        log=tf.math.log,
        sqrt=tf.sqrt,
        square=tf.square,
        abs=tf.abs,
        sum=tf.reduce_sum,
        mean=tf.reduce_mean,
        clip=tf.clip_by_value,
        minimum=tf.minimum,
        maximum=tf.maximum,
        cast=tf.cast,
        floatx=lambda: "float32",
        epsilon=lambda: 1e-7,
    )


def lambda_globals() -> dict[str, Any]:
    import numpy as np

    from explorer.core.runtime.tf_setup import keras, tensorflow

    backend = keras2_backend()
    return {"tf": tensorflow(), "keras": keras(), "np": np, "K": backend, "B": backend}


def lend_globals(model: Any) -> int:
    """Give every ``Lambda`` layer's function in ``model`` (nested models too) the names of
    :func:`lambda_globals` it lacks; returns how many functions were changed."""
    extra = lambda_globals()
    changed = 0
    for layer in _all_layers(model):
        fn = getattr(layer, "function", None)
        if type(layer).__name__ != "Lambda" or not isinstance(fn, types.FunctionType):
            continue
        missing = {k: v for k, v in extra.items() if k not in fn.__globals__}
        if not missing:
            continue
        scope = {**fn.__globals__, **missing, "__builtins__": builtins}
        layer.function = types.FunctionType(
            fn.__code__, scope, fn.__name__, fn.__defaults__, fn.__closure__
        )
        changed += 1
    return changed


def _all_layers(model: Any) -> Iterator[Any]:
    for layer in getattr(model, "layers", []):
        yield layer
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)
