"""Layers that rearrange or combine tensors, as ONNX nodes: ``Flatten`` (channels-last order),
``Reshape``, ``Permute``, ``RepeatVector``; the merges ``Add``, ``Subtract``, ``Multiply``,
``Average``, ``Maximum``, ``Minimum``, ``Concatenate``, ``Dot``; and ``Residual`` (its branch,
plus the input or its projection)."""

from __future__ import annotations

from ..layers import (
    Add,
    Average,
    Concatenate,
    Dot,
    Flatten,
    Maximum,
    Minimum,
    Multiply,
    Permute,
    RepeatVector,
    Reshape,
    Residual,
    Subtract,
)
from ..layers.preprocessing import EPSILON
from .registry import converter

__all__ = []


@converter(Flatten)
def _flatten(ctx, layer, x):
    g, ndim = ctx.g, len(x.shape)
    out = x.name
    if layer.data_format == "channels_first" and ndim > 2:
        out = g.transpose(out, [0, *range(2, ndim), 1], name=f"{layer.name}/channels_last")
    return g.reshape(out, [0, -1], name=layer.name)


@converter(Reshape)
def _reshape(ctx, layer, x):
    return ctx.g.reshape(x.name, [0, *layer.target_shape], name=layer.name)


@converter(Permute)
def _permute(ctx, layer, x):
    return ctx.g.node("Transpose", [x.name], name=layer.name, perm=[0, *layer.dims])


@converter(RepeatVector)
def _repeat_vector(ctx, layer, x):
    g = ctx.g
    column = g.unsqueeze(x.name, [1], name=f"{layer.name}/unsqueeze")
    return g.node("Tile", [column, g.ints([1, layer.n, 1], "repeats")], name=layer.name)


# ---------------------------------------------------------------------- merging
def _aligned(g, layer, inputs: list) -> list:
    """The inputs' names, those of fewer axes given new axes of size 1 after the batch axis
    (as Keras 3 aligns them; ONNX would align them from the last axis only)."""
    ndim = max(len(v.shape) for v in inputs)
    return [v.name if len(v.shape) == ndim else
            g.unsqueeze(v.name, range(1, 1 + ndim - len(v.shape)), name=f"{layer.name}/align")
            for v in inputs]


def _fold(g, op: str, names: list, name: str) -> str:
    """``names[0] op names[1] op ...``, left to right as deepgrad computes it."""
    out = names[0]
    for i, other in enumerate(names[1:]):
        out = g.node(op, [out, other], name=name if i == len(names) - 2 else f"{name}/{op.lower()}")
    return out


def _elementwise(op):
    def convert(ctx, layer, x):
        return _fold(ctx.g, op, _aligned(ctx.g, layer, x), layer.name)
    return convert


for _class, _op in ((Add, "Add"), (Subtract, "Sub"), (Multiply, "Mul"), (Maximum, "Max"),
                    (Minimum, "Min")):
    converter(_class)(_elementwise(_op))


@converter(Average)
def _average(ctx, layer, x):
    g = ctx.g
    total = _fold(g, "Add", _aligned(g, layer, x), f"{layer.name}/sum")
    return g.node("Div", [total, g.constant(float(len(x)))], name=layer.name)


@converter(Concatenate)
def _concatenate(ctx, layer, x):
    return ctx.g.node("Concat", [v.name for v in x], name=layer.name, axis=int(layer.axis))


@converter(Dot)
def _dot(ctx, layer, x):
    """The two inputs as ``(batch, rows, k)`` and ``(batch, k, columns)``, one ``MatMul``."""
    g, name = ctx.g, layer.name
    (a, b), shapes = x, [v.shape for v in x]
    i, j = layer._axes(shapes)
    a_name, b_name = a.name, b.name
    if layer.normalize:
        a_name = _unit(g, a_name, i, f"{name}/unit_a")
        b_name = _unit(g, b_name, j, f"{name}/unit_b")
    a_rest = [d for d in range(1, len(a.shape)) if d != i]
    b_rest = [d for d in range(1, len(b.shape)) if d != j]
    a_name = g.transpose(a_name, [0, *a_rest, i], name=f"{name}/a")
    b_name = g.transpose(b_name, [0, j, *b_rest], name=f"{name}/b")
    k = shapes[0][i]
    rows = g.reshape(a_name, [0, -1, k], name=f"{name}/rows")
    columns = g.reshape(b_name, [0, k, -1], name=f"{name}/columns")
    out = g.node("MatMul", [rows, columns], name=f"{name}/matmul")
    rest = [shapes[0][d] for d in a_rest] + [shapes[1][d] for d in b_rest]
    return g.reshape(out, [0, *(rest or [1])], name=name)


def _unit(g, x: str, axis: int, name: str) -> str:
    """``x / sqrt(max(Σ x², 1e-14))`` along ``axis``, as deepgrad's ``Dot(normalize=True)``."""
    squares = g.node("Mul", [x, x], name=f"{name}/squares")
    total = g.reduce("ReduceSum", squares, [axis], True, name=f"{name}/sum")
    clipped = g.node("Max", [total, g.constant(EPSILON**2)], name=f"{name}/clip")
    return g.node("Div", [x, g.node("Sqrt", [clipped], name=f"{name}/norm")], name=name)


@converter(Residual)
def _residual(ctx, layer, x):
    out = x
    for inner in layer.layers:
        out = ctx.convert(inner, out)
    shortcut = x if layer.projection is None else ctx.convert(layer.projection, x)
    return ctx.g.node("Add", [shortcut.name, out.name], name=layer.name)

