"""Core layers as ONNX nodes: ``InputLayer``, ``Dense`` (any rank: ``MatMul`` on the last axis),
the layers that are the identity at inference (dropouts, random augmentations), and the
``TensorOperation`` layers Python's operators make on symbolic tensors."""

from __future__ import annotations

import numpy as np

from ..layers import (
    Dense,
    Dropout,
    InputLayer,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    SpatialDropout1D,
    SpatialDropout2D,
    TensorOperation,
)
from ..layers.operations import _index_from_json
from .activations import activation
from .builder import INT64_MAX, INT64_MIN
from .registry import converter

__all__ = []


@converter(InputLayer)
def _input_layer(ctx, layer, x):
    return x


@converter(Dense)
def _dense(ctx, layer, x):
    g = ctx.g
    fused = layer.bias is not None or layer.activation is not None
    out = g.node("MatMul", [x.name, g.weight(layer.kernel)],
                 name=f"{layer.name}/matmul" if fused else layer.name)
    if layer.bias is not None:
        out = g.node("Add", [out, g.weight(layer.bias)], name=f"{layer.name}/bias")
    return activation(ctx, layer.activation, out, layer.name)


#: Layers that are the identity at inference (random only while training).
@converter(Dropout, SpatialDropout1D, SpatialDropout2D, RandomFlip, RandomRotation,
           RandomTranslation, RandomZoom)
def _identity_at_inference(ctx, layer, x):
    return x


# ---------------------------------------------------------------------- TensorOperation
_BINARY = {"add": "Add", "subtract": "Sub", "multiply": "Mul", "divide": "Div", "power": "Pow",
           "matmul": "MatMul"}
_UNARY = {"negative": "Neg", "absolute": "Abs"}


@converter(TensorOperation)
def _tensor_operation(ctx, layer, x):
    g = ctx.g
    if layer.operation == "getitem":
        return _getitem(g, layer, x)
    operands = [v.name for v in x] if isinstance(x, list) else [x.name]
    if layer.constant is not None:
        constant = g.constant(np.asarray(layer.constant))
        operands.insert(0 if layer.constant_first else len(operands), constant)
    if layer.operation in _UNARY:
        return g.node(_UNARY[layer.operation], operands, name=layer.name)
    return g.node(_BINARY[layer.operation], operands, name=layer.name)


def _getitem(g, layer, x):
    """``x[index]`` for ints, slices, None and ``...``: one ``Slice`` over the indexed axes, a
    ``Squeeze`` of the axes an int took, an ``Unsqueeze`` for each None."""
    index = _index_from_json(layer.index)
    items = list(index) if isinstance(index, tuple) else [index]
    ndim = len(x.shape)
    if Ellipsis in items:
        at = items.index(Ellipsis)
        used = sum(1 for i in items if i is not None and i is not Ellipsis)
        items[at:at + 1] = [slice(None)] * (ndim - used)
    starts, ends, axes, steps, squeezed, kept = [], [], [], [], [], []
    axis = 0
    for item in items:
        if item is None:
            kept.append("new")
            continue
        if isinstance(item, slice):
            step = 1 if item.step is None else item.step
            start = item.start if item.start is not None else (0 if step > 0 else INT64_MAX)
            stop = item.stop if item.stop is not None else (INT64_MAX if step > 0 else INT64_MIN)
            if (start, stop, step) != (0, INT64_MAX, 1):
                starts.append(start), ends.append(stop), axes.append(axis), steps.append(step)
            kept.append("axis")
        else:  # an int: one position, its axis squeezed
            starts.append(item), ends.append(item + 1 if item != -1 else INT64_MAX)
            axes.append(axis), steps.append(1)
            squeezed.append(axis)
        axis += 1
    out = x.name
    if axes:
        out = g.node("Slice", [out, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)],
                     name=f"{layer.name}/slice")
    if squeezed:
        out = g.squeeze(out, squeezed, name=f"{layer.name}/squeeze")
    new_axes = [i for i, kind in enumerate(kept) if kind == "new"]
    if new_axes:
        out = g.unsqueeze(out, new_axes, name=f"{layer.name}/newaxis")
    if out == x.name:
        out = g.node("Identity", [out], name=layer.name)
    return out
