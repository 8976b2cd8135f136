"""The last activation of a network, read from its file: it tells a decoder's value range.

Each reader walks back from the (first) output through layers or operations that only move
values around (reshape, transpose, crop, identity, ...) to the first one that computes new
values. If that is a sigmoid or tanh, the name is returned; anything else gives ``None``
(the range is then assumed, and the tool says so).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

RANGE_ACTIVATIONS = {"sigmoid": (0.0, 1.0), "hard_sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}

_KERAS_SHAPE_ONLY = {
    "Reshape",
    "Flatten",
    "Permute",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "Identity",
    "Dropout",
    "SpatialDropout2D",
    "InputLayer",
    "ActivityRegularization",
}
_ONNX_SHAPE_ONLY = {"Reshape", "Transpose", "Identity", "Flatten", "Squeeze", "Unsqueeze", "Cast"}
_ONNX_ACTIVATIONS = {"Sigmoid": "sigmoid", "HardSigmoid": "hard_sigmoid", "Tanh": "tanh"}
_TF_SHAPE_ONLY = {"Identity", "IdentityN", "Reshape", "Transpose", "Squeeze", "ExpandDims", "Cast"}
_TF_ACTIVATIONS = {"Sigmoid": "sigmoid", "Tanh": "tanh"}
_TF_CALLS = {"PartitionedCall", "StatefulPartitionedCall"}
_MAX_STEPS = 200


def best_effort(reader: Callable[..., str | None]) -> Callable[..., str | None]:
    """A file that does not show its activation the expected way gives ``None`` (the range is
    then assumed and said so); reading it never stops a model from loading."""

    @functools.wraps(reader)
    def read(*args: Any) -> str | None:
        try:
            return reader(*args)
        except Exception:  # noqa: BLE001 - any surprise in a foreign file's structure
            return None

    return read


@best_effort
def keras_activation(model: Any) -> str | None:
    """Last value-setting activation of a Keras model (nested models are followed)."""
    tensor = model.outputs[0]
    for _ in range(_MAX_STEPS):
        history = getattr(tensor, "_keras_history", None)
        if history is None:
            return None
        layer, node_index, tensor_index = history
        kind = type(layer).__name__
        if hasattr(layer, "layers") and getattr(layer, "outputs", None):  # a nested model
            tensor = layer.outputs[tensor_index]
            continue
        if kind == "Activation" or getattr(layer, "activation", None) is not None:
            name = getattr(layer.activation, "__name__", str(layer.activation))
            if name in RANGE_ACTIVATIONS:
                return name
            if not (kind == "Activation" and name == "linear"):
                return None
        elif kind not in _KERAS_SHAPE_ONLY:
            return None
        inputs = layer._inbound_nodes[node_index].input_tensors
        if not inputs:
            return None
        tensor = inputs[0]
    return None


@best_effort
def onnx_activation(path: str | Path, output: str) -> str | None:
    """Last value-setting operation before ONNX graph output ``output``."""
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    producer = {out: node for node in graph.node for out in node.output}
    name = output
    for _ in range(_MAX_STEPS):
        node = producer.get(name)
        if node is None:  # a graph input
            return None
        if node.op_type not in _ONNX_SHAPE_ONLY or not node.input:  # an activation, or the end
            return _ONNX_ACTIVATIONS.get(node.op_type)
        name = node.input[0]
    return None


@best_effort
def graph_activation(fn: Any, output: str | int) -> str | None:
    """Last value-setting op before an output of a SavedModel signature (a concrete function),
    following calls into the graph's function library."""
    graph_def = fn.graph.as_graph_def()
    library = {f.signature.name: f for f in graph_def.library.function}
    outputs = fn.structured_outputs  # flattened like tf.nest: dict keys in sorted order
    i = sorted(outputs).index(output) if isinstance(outputs, dict) else int(output)
    if i >= len(fn.outputs):
        return None
    tensor = fn.outputs[i]
    nodes = {n.name: n for n in graph_def.node}
    return _walk_tf(nodes, library, tensor.op.name, tensor.value_index, _MAX_STEPS)


def _walk_tf(
    nodes: dict[str, Any], library: dict[str, Any], name: str, index: int, budget: int
) -> str | None:
    """Follow tensor ``name:index`` back, into called functions; a function's arguments are
    not followed out again (an activation is never just an argument)."""
    for _ in range(budget):
        node = nodes.get(name)
        if node is None:
            return None
        if node.op in _TF_ACTIVATIONS:
            return _TF_ACTIVATIONS[node.op]
        if node.op in _TF_CALLS:
            fdef = library.get(node.attr["f"].func.name)
            if fdef is None or index >= len(fdef.signature.output_arg):
                return None
            ret = fdef.ret[fdef.signature.output_arg[index].name]
            inner_nodes = {n.name: n for n in fdef.node_def}
            inner_name, inner_index = _function_ref(ret)
            return _walk_tf(inner_nodes, library, inner_name, inner_index, budget // 2)
        if node.op not in _TF_SHAPE_ONLY or not node.input:
            return None
        name, index = _function_ref(node.input[0])
    return None


def _function_ref(ref: str) -> tuple[str, int]:
    """A tensor reference as (node, output index): ``node``, ``node:i`` in a graph, or
    ``node:output_arg:i`` inside a function body (calls have one list argument, ``output``)."""
    parts = ref.split(":")
    return parts[0], int(parts[-1]) if len(parts) > 1 else 0
