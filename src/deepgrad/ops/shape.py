"""Primitives that move or select elements: reshape, transpose, indexing, zero padding,
concatenate, stack, and the identity that stops gradients."""

from __future__ import annotations

import numpy as np

from ..native.backend import namespace
from .base import Function


class Reshape(Function):
    __slots__ = ("in_shape", "shape")

    def __init__(self, shape):
        self.shape = shape

    def forward(self, a):
        self.in_shape = a.shape
        return a.reshape(self.shape)

    def backward(self, grad):
        return (grad.reshape(self.in_shape),)


class Transpose(Function):
    __slots__ = ("axes",)

    def __init__(self, axes=None):
        self.axes = axes

    def forward(self, a):
        if self.axes is None:
            self.axes = tuple(range(a.ndim - 1, -1, -1))
        return a.transpose(self.axes)

    def backward(self, grad):
        return (grad.transpose(np.argsort(self.axes)),)


def _is_basic_index(index) -> bool:
    """True when ``index`` selects each element at most once (no integer or boolean arrays)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(
        item is None or item is Ellipsis or isinstance(item, (slice, int, np.integer))
        for item in items
    )


class GetItem(Function):
    """Indexing and slicing, including integer-array indexing (repeated indices accumulate)."""

    __slots__ = ("shape", "dtype", "index")

    def __init__(self, index):
        self.index = index

    def forward(self, a):
        self.shape, self.dtype = a.shape, a.dtype
        return a[self.index]

    def backward(self, grad):
        out = namespace(grad).zeros(self.shape, dtype=self.dtype)
        if _is_basic_index(self.index):
            out[self.index] = grad
        else:
            np.add.at(out, self.index, grad)
        return (out,)


class Pad(Function):
    """Zeros added before and after each axis: ``pads`` is one ``(before, after)`` pair of ints
    >= 0 per axis (``np.pad`` with zeros). Its gradient is the gradient's middle, where the input
    went (the slicing that :class:`GetItem` does, the other way round)."""

    __slots__ = ("pads", "middle")

    def __init__(self, pads):
        self.pads = tuple((int(before), int(after)) for before, after in pads)

    def forward(self, a):
        self.middle = tuple(slice(before, before + n) for (before, _), n in zip(self.pads, a.shape))
        return np.pad(a, self.pads)

    def backward(self, grad):
        return (grad[self.middle],)


class Concatenate(Function):
    __slots__ = ("axis", "splits")

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *arrays):
        self.splits = np.cumsum([a.shape[self.axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=self.axis)

    def backward(self, grad):
        return tuple(np.split(grad, self.splits, axis=self.axis))


class Stack(Function):
    __slots__ = ("axis", "count")

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *arrays):
        self.count = len(arrays)
        return np.stack(arrays, axis=self.axis)

    def backward(self, grad):
        return tuple(np.take(grad, i, axis=self.axis) for i in range(self.count))


class StopGradient(Function):
    """The identity whose result has no gradient (``Tensor.detach``); it joins recorded steps,
    never the graph."""

    __slots__ = ()

    def forward(self, a):
        return a

    def backward(self, grad):
        return (None,)
