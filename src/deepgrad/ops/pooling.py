"""Pooling as primitives: :class:`MaxPool` and :class:`AveragePool` over the height and width
of channels-last inputs ``(batch, height, width, channels)`` (1-D pooling is height 1).

Both walk the window's offsets: for each ``(i, j)`` in the pool, the strided slice of the input
that every output position sees at that offset. The maximum is the running ``np.maximum`` of
those slices; the walk also notes which offset holds it — the first, on ties, as PyTorch's and
TensorFlow's kernels choose — and the gradient goes there. The average divides by the number of
input values each window covers — padding excluded, as Keras's "same" pooling does.

With deepgrad's compiled kernels (``native/windows.c``) max pooling's two passes walk each
window once instead of once per offset, with results bitwise those of the walk in NumPy.

Padding is explicit, ``((top, bottom), (left, right))``; padded positions never win a maximum
and are not counted in an average.
"""

from __future__ import annotations

import numpy as np

from ..native import kernels
from ..native.backend import FLOAT_DTYPES, namespace
from .base import Function
from .convolution import kernel_offsets, output_length

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
        """``(rows, columns)``: the slices of the padded input at each offset of the window
        (a convolution's offsets, without dilation)."""
        for _, _, rows, cols in kernel_offsets(self.pool, self.strides, (1, 1), out_hw):
            yield rows, cols

    def _kernel(self, name: str, array, out_hw):
        """The compiled kernel ``name`` when it takes ``array`` (a NumPy array of float32 or
        float64, made C-contiguous by the caller) and the windows (at least one; offsets that
        fit the uint8 argmax), else None: NumPy walks them."""
        if (type(array) is np.ndarray and array.dtype in FLOAT_DTYPES and min(out_hw) > 0
                and self.pool[0] * self.pool[1] <= 256):
            return kernels.compiled(name)
        return None

    def _disjoint(self) -> bool:
        """Whether no input position lies in two windows (strides at least the pool)."""
        return all(s >= p for s, p in zip(self.strides, self.pool))

    def _gradient_buffer(self, grad, shapes):
        """Zeros of the padded input's shape, or (windows disjoint and tiling the padded input)
        an uninitialized one that the windows' gradients fill."""
        space = namespace(grad)
        (hp, wp), (oh, ow) = shapes
        tiled = self._disjoint() and (oh * self.strides[0], ow * self.strides[1]) == (hp, wp) \
            and self.strides == self.pool
        make = space.empty if tiled else space.zeros
        return make((grad.shape[0], hp, wp, grad.shape[3]), grad.dtype)

    def _unpadded(self, xp_grad, shape):
        (top, _), (left, _) = self.pads
        return xp_grad[:, top:top + shape[1], left:left + shape[2]]


class MaxPool(_Window, Function):
    """The largest value of each window; the forward pass notes which offset held it (the
    first, on ties), the backward pass sends each gradient there."""

    __slots__ = ("pool", "strides", "pads", "shapes", "argmax")

    def forward(self, x):
        padded_hw, out_hw = self._geometry(x)
        xp = self._padded(x, -np.inf)
        kernel = self._kernel("max_pool_forward", xp, out_hw)
        if kernel is not None:
            xp = np.ascontiguousarray(xp)
            out = np.empty((xp.shape[0], *out_hw, xp.shape[3]), xp.dtype)
            argmax = np.empty(out.shape, np.uint8)
            kernel(xp, out, argmax, *self.pool, *self.strides)
            self.argmax, self.shapes = argmax, (x.shape, (padded_hw, out_hw))
            return out
        out = argmax = better = None
        for k, (rows, cols) in enumerate(self._offsets(out_hw)):
            part = xp[:, rows, cols]
            if out is None:
                out = part.copy()
                argmax = namespace(out).zeros(out.shape, np.uint8)
                better = namespace(out).empty(out.shape, bool)
                continue
            np.greater(part, out, out=better)  # strictly: the first maximum keeps its place
            np.maximum(out, part, out=out)
            # offsets grow, so "k where better, else as before" is the larger of the two
            np.maximum(argmax, better.view(np.uint8) * np.uint8(k), out=argmax)
        self.argmax, self.shapes = argmax, (x.shape, (padded_hw, out_hw))
        return out

    def backward(self, grad):
        shape, shapes = self.shapes
        xp_grad = self._gradient_buffer(grad, shapes)
        kernel = self._kernel("max_pool_backward", grad, shapes[1])
        if kernel is not None and type(self.argmax) is np.ndarray:
            kernel(np.ascontiguousarray(grad), self.argmax, xp_grad, *self.pool, *self.strides)
            return (self._unpadded(xp_grad, shape),)
        disjoint = self._disjoint()
        for k, (rows, cols) in enumerate(self._offsets(shapes[1])):
            if disjoint:
                np.multiply(grad, self.argmax == k, out=xp_grad[:, rows, cols])
            else:
                xp_grad[:, rows, cols] += grad * (self.argmax == k)
        return (self._unpadded(xp_grad, shape),)


class AveragePool(_Window, Function):
    """The mean of each window's input values (padding not counted)."""

    __slots__ = ("pool", "strides", "pads", "shapes", "counts")

    def forward(self, x):
        padded_hw, out_hw = self._geometry(x)
        xp = self._padded(x, 0)
        total = None
        for rows, cols in self._offsets(out_hw):
            part = xp[:, rows, cols]
            total = part.copy() if total is None else np.add(total, part, out=total)
        self.counts = self._counts(x, out_hw)
        self.shapes = (x.shape, (padded_hw, out_hw))
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
        shape, shapes = self.shapes
        share = grad / self.counts
        xp_grad = self._gradient_buffer(grad, shapes)
        disjoint = self._disjoint()
        for rows, cols in self._offsets(shapes[1]):
            if disjoint:
                xp_grad[:, rows, cols] = share
            else:
                xp_grad[:, rows, cols] += share
        return (self._unpadded(xp_grad, shape),)
