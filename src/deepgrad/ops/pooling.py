"""Pooling as primitives: :class:`MaxPool` and :class:`AveragePool` over the height and width
of channels-last inputs ``(batch, height, width, channels)`` (1-D pooling is height 1).

Both walk the window's offsets: for each ``(i, j)`` in the pool, the strided slice of the input
that every output position sees at that offset. The maximum is the running ``np.maximum`` of
those slices; its gradient goes to the first offset holding the maximum (as PyTorch's and
TensorFlow's kernels choose), found by the same walk. The average divides by the number of
input values each window covers — padding excluded, as Keras's "same" pooling does.

Padding is explicit, ``((top, bottom), (left, right))``; padded positions never win a maximum
and are not counted in an average.
"""

from __future__ import annotations

import numpy as np

from ..native.backend import namespace
from .base import Function
from .convolution import output_length

__all__ = ["AveragePool", "MaxPool"]


class _Window:
    """What both poolings share: the window's geometry and its walk over offsets."""

    __slots__ = ()

    def __init__(self, pool=(2, 2), strides=None, pads=((0, 0), (0, 0))):
        self.pool = tuple(pool)
        self.strides = tuple(strides or pool)
        self.pads = tuple(tuple(p) for p in pads)

    def _geometry(self, x):
        (top, bottom), (left, right) = self.pads
        hp, wp = x.shape[1] + top + bottom, x.shape[2] + left + right
        oh = output_length(hp, self.pool[0], self.strides[0], 1, 0)
        ow = output_length(wp, self.pool[1], self.strides[1], 1, 0)
        return (hp, wp), (oh, ow)

    def _padded(self, x, fill):
        (top, bottom), (left, right) = self.pads
        if not (top or bottom or left or right):
            return x
        out = namespace(x).full((x.shape[0], x.shape[1] + top + bottom,
                                 x.shape[2] + left + right, x.shape[3]), fill, x.dtype)
        out[:, top:top + x.shape[1], left:left + x.shape[2]] = x
        return out

    def _offsets(self, out_hw):
        """``(i, j, rows, columns)`` for each offset of the window."""
        (sh, sw), (oh, ow) = self.strides, out_hw
        for i in range(self.pool[0]):
            for j in range(self.pool[1]):
                yield slice(i, i + sh * (oh - 1) + 1, sh), slice(j, j + sw * (ow - 1) + 1, sw)

    def _unpadded(self, xp_grad, shape):
        (top, _), (left, _) = self.pads
        return xp_grad[:, top:top + shape[1], left:left + shape[2]]


class MaxPool(_Window, Function):
    """The largest value of each window."""

    __slots__ = ("pool", "strides", "pads", "shapes", "xp", "out")

    def forward(self, x):
        (hp, wp), out_hw = self._geometry(x)
        xp = self._padded(x, -np.inf)
        out = None
        for rows, cols in self._offsets(out_hw):
            part = xp[:, rows, cols]
            out = part.copy() if out is None else np.maximum(out, part, out=out)
        self.xp, self.out, self.shapes = xp, out, (x.shape, out_hw)
        return out

    def backward(self, grad):
        shape, out_hw = self.shapes
        space = namespace(grad)
        xp_grad = space.zeros(self.xp.shape, grad.dtype)
        taken = space.zeros(self.out.shape, bool)
        for rows, cols in self._offsets(out_hw):
            first = self.xp[:, rows, cols] == self.out
            first &= ~taken
            taken |= first
            xp_grad[:, rows, cols] += np.where(first, grad, 0)
        return (self._unpadded(xp_grad, shape),)


class AveragePool(_Window, Function):
    """The mean of each window's input values (padding not counted)."""

    __slots__ = ("pool", "strides", "pads", "shapes", "counts")

    def forward(self, x):
        _, out_hw = self._geometry(x)
        xp = self._padded(x, 0)
        total = None
        for rows, cols in self._offsets(out_hw):
            part = xp[:, rows, cols]
            total = part.copy() if total is None else np.add(total, part, out=total)
        self.counts = self._counts(x, out_hw)
        self.shapes = (x.shape, out_hw, xp.shape)
        return total / self.counts

    def _counts(self, x, out_hw):
        """How many real input values each window covers, ``(1, oh, ow, 1)``."""
        if not any(p for pair in self.pads for p in pair):
            return self.pool[0] * self.pool[1]
        ones = self._padded(namespace(x).ones((1, x.shape[1], x.shape[2], 1), x.dtype), 0)
        counts = None
        for rows, cols in self._offsets(out_hw):
            part = ones[:, rows, cols]
            counts = part.copy() if counts is None else counts + part
        return counts

    def backward(self, grad):
        shape, out_hw, padded_shape = self.shapes
        share = grad / self.counts
        xp_grad = namespace(grad).zeros(padded_shape, grad.dtype)
        for rows, cols in self._offsets(out_hw):
            xp_grad[:, rows, cols] += share
        return (self._unpadded(xp_grad, shape),)
