"""Reductions over axes: sum, mean, max, min; and the sum of squares (an L2 penalty)."""

from __future__ import annotations

import numpy as np

from .base import Function


def _expand_reduced(grad, shape, axis, keepdims):
    """Put back the reduced axes of ``grad`` so that it broadcasts against ``shape``."""
    if axis is not None and not keepdims:
        grad = np.expand_dims(grad, axis)
    return grad


class Sum(Function):
    __slots__ = ("shape", "axis", "keepdims")

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, a):
        self.shape = a.shape
        return np.sum(a, axis=self.axis, keepdims=self.keepdims)

    def backward(self, grad):
        grad = _expand_reduced(grad, self.shape, self.axis, self.keepdims)
        return (np.broadcast_to(grad, self.shape),)


class Mean(Function):
    __slots__ = ("shape", "axis", "keepdims", "count")

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, a):
        self.shape = a.shape
        out = np.mean(a, axis=self.axis, keepdims=self.keepdims)
        self.count = a.size // max(np.size(out), 1) if a.size else 0
        return out

    def backward(self, grad):
        grad = _expand_reduced(grad, self.shape, self.axis, self.keepdims) / self.count
        return (np.broadcast_to(grad, self.shape),)


class Max(Function):
    """Maximum over ``axis``; tied maxima share the gradient equally."""

    __slots__ = ("a", "out", "axis", "keepdims")
    _reduce = staticmethod(np.max)

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, a):
        self.a = a
        self.out = self._reduce(a, axis=self.axis, keepdims=True)
        return self.out if self.keepdims else np.squeeze(self.out, axis=self.axis)

    def backward(self, grad):
        grad = _expand_reduced(grad, self.a.shape, self.axis, self.keepdims)
        mask = self.a == self.out
        count = np.sum(mask, axis=self.axis, keepdims=True, dtype=grad.dtype)
        return (mask * (grad / count),)


class Min(Max):
    """Minimum over ``axis``; tied minima share the gradient equally."""

    __slots__ = ()
    _reduce = staticmethod(np.min)


class SumOfSquares(Function):
    """``Σ x²`` over every element: one pass forward (a dot product) and one back (``2·x·g``),
    where ``(x * x).sum()`` takes three and four."""

    __slots__ = ("a",)

    def forward(self, a):
        self.a = a
        flat = a.reshape(-1)
        return np.dot(flat, flat)

    def backward(self, grad):
        into = self.gradient_out(0)
        if into is None or into.shape != self.a.shape or into.dtype != np.result_type(self.a, grad):
            return (self.a * (2 * grad),)
        return (np.multiply(self.a, 2 * grad, out=into),)
