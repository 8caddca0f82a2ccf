"""Convolution as one primitive: :class:`Convolution` and its transpose, :class:`ConvolutionTranspose`.

Channels last, as Keras: inputs ``(batch, height, width, channels)``, kernels
``(kernel_h, kernel_w, channels / groups, filters)``; a 1-D convolution is a 2-D one of height 1.
Both are cross-correlations (the kernel is not flipped), as in every deep-learning library.

The forward pass gathers every receptive field into the rows of one matrix (*im2col*: a
strided view of the zero-padded input, copied once) and multiplies it by the kernel reshaped to a matrix:
one GEMM per group. The bias and a ReLU are added in place on that product, with the dense
layer's fused pass (:func:`~deepgrad.ops.affine.add_bias_relu`). The backward pass is two more
GEMMs — the kernel's gradient from the gathered matrix, the gathered matrix's gradient from the
kernel — and *col2im* (:func:`scatter`), which adds each kernel offset's slice of the latter
back where it came from: in NumPy one strided addition per offset, with deepgrad's compiled
kernels (``native/windows.c``) one pass over each image, bitwise the same. :func:`gather` and
:func:`spread` (the second GEMM and the col2im) are that pair; the transposed convolution is the
same two used the other way round, so each computation is written once.

Padding is given explicitly per side, ``((top, bottom), (left, right))``: the layers turn
"valid", "same" and "causal" into numbers (:func:`padding_amounts`).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..native import kernels
from ..native.backend import FLOAT_DTYPES, namespace
from .affine import ACTIVATIONS, add_bias_relu, relu_backward
from .base import Function

__all__ = ["Convolution", "ConvolutionTranspose", "gather", "kernel_offsets", "output_length",
           "padding_amounts", "scatter", "spread"]


def output_length(length: int, kernel: int, stride: int, dilation: int, pad: int) -> int:
    """Positions of a kernel spanning ``dilation·(kernel−1)+1`` over ``length + pad``."""
    span = dilation * (kernel - 1) + 1
    return (length + pad - span) // stride + 1


def padding_amounts(padding: str, length: int, kernel: int, stride: int,
                    dilation: int) -> tuple[int, int]:
    """``(before, after)`` zeros for Keras's ``padding``: "valid" none; "same" enough that the
    output has ``ceil(length / stride)`` positions, the odd one after (as TensorFlow); "causal"
    all before, so that no output sees a later input.

    >>> padding_amounts("same", 5, 3, 2, 1), padding_amounts("causal", 5, 3, 1, 2)
    ((1, 1), (4, 0))
    """
    span = dilation * (kernel - 1) + 1
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return span - 1, 0
    out = -(-length // stride)
    total = max((out - 1) * stride + span - length, 0)
    return total // 2, total - total // 2


def _padded(x: np.ndarray, pads) -> np.ndarray:
    (top, bottom), (left, right) = pads
    if not (top or bottom or left or right):
        return x
    n, h, w, c = x.shape
    out = namespace(x).zeros((n, h + top + bottom, w + left + right, c), x.dtype)
    out[:, top:top + h, left:left + w] = x
    return out


def gather(xp: np.ndarray, kernel: tuple, strides: tuple, dilation: tuple,
           out_hw: tuple) -> np.ndarray:
    """Every receptive field of the padded input ``xp`` as a row: ``(batch·out_h·out_w,
    kernel_h·kernel_w·channels)`` (im2col): one copy of a strided view for NumPy arrays, one
    kernel offset at a time for other array libraries."""
    n, _, _, c = xp.shape
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, strides, dilation, out_hw
    if type(xp) is np.ndarray:
        s0, s1, s2, s3 = xp.strides
        fields = as_strided(xp, (n, oh, ow, kh, kw, c),
                            (s0, s1 * sh, s2 * sw, s1 * dh, s2 * dw, s3), writeable=False)
        return fields.reshape(n * oh * ow, kh * kw * c)
    fields = namespace(xp).empty((n, oh, ow, kh, kw, c), xp.dtype)
    for i, j, rows, cols in kernel_offsets(kernel, strides, dilation, out_hw):
        fields[:, :, :, i, j] = xp[:, rows, cols]
    return fields.reshape(n * oh * ow, kh * kw * c)


def kernel_offsets(kernel, strides, dilation, out_hw):
    """``(i, j, rows, columns)``: each kernel offset and the slices of the padded input that
    the output positions see there."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, strides, dilation, out_hw
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
        for j in range(kw):
            yield i, j, rows, slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)


def spread(rows: np.ndarray, kernel: np.ndarray, padded_shape: tuple, strides: tuple,
           dilation: tuple, out_hw: tuple, groups: int = 1) -> np.ndarray:
    """The transpose of :func:`gather` after a product: ``rows @ kernel.reshape(-1, filters).T``
    (one GEMM, or one per group), each gathered row's share, then :func:`scatter` (col2im).

    ``rows`` is ``(batch·out_h·out_w, filters)`` and ``kernel`` ``(kh, kw, channels / groups,
    filters)``; the result has ``padded_shape``. The input gradient of :class:`Convolution`
    and the forward pass of :class:`ConvolutionTranspose` are this one computation.
    """
    f = kernel.shape[3]
    if groups == 1:
        cols = rows @ kernel.reshape(-1, f).T
    else:
        per_group = rows.reshape(-1, groups, f // groups).transpose(1, 0, 2)
        cols = _ungroup_rows(np.matmul(per_group, _group_kernel(kernel, groups).transpose(0, 2, 1)),
                             kernel.shape[0] * kernel.shape[1])
    return scatter(cols, padded_shape, kernel.shape[:2], strides, dilation, out_hw)


def scatter(cols: np.ndarray, padded_shape: tuple, kernel: tuple, strides: tuple,
            dilation: tuple, out_hw: tuple) -> np.ndarray:
    """The inverse gathering (col2im): each row's entries added back at the positions of the
    padded input they came from, kernel offset after kernel offset, into zeros of
    ``padded_shape``. With the compiled kernel ``add_windows`` (NumPy arrays of float32 or
    float64) one pass over each image, adding in the same order: bitwise the same."""
    n, _, _, c = padded_shape
    (kh, kw), (oh, ow) = kernel, out_hw
    out = namespace(cols).zeros(padded_shape, cols.dtype)
    add = (kernels.compiled("add_windows")
           if type(cols) is np.ndarray and cols.dtype in FLOAT_DTYPES else None)
    if add is not None:
        add(np.ascontiguousarray(cols), out, kh, kw, *strides, *dilation, oh, ow)
        return out
    fields = cols.reshape(n, oh, ow, kh, kw, c)
    for i, j, rows, columns in kernel_offsets(kernel, strides, dilation, out_hw):
        out[:, rows, columns] += fields[:, :, :, i, j]
    return out


def _unpadded(xp: np.ndarray, pads) -> np.ndarray:
    (top, bottom), (left, right) = pads
    return xp[:, top:xp.shape[1] - bottom, left:xp.shape[2] - right]


def _group_rows(a: np.ndarray, groups: int, k: int) -> np.ndarray:
    """Gathered rows ``(rows, k·groups·cg)`` as one matrix per group, ``(groups, rows, k·cg)``."""
    rows = a.shape[0]
    cg = a.shape[1] // (k * groups)
    return a.reshape(rows, k, groups, cg).transpose(2, 0, 1, 3).reshape(groups, rows, k * cg)


def _ungroup_rows(a: np.ndarray, k: int) -> np.ndarray:
    """The inverse of :func:`_group_rows`: ``(groups, rows, k·cg)`` to ``(rows, k·groups·cg)``."""
    groups, rows, kcg = a.shape
    return a.reshape(groups, rows, k, kcg // k).transpose(1, 2, 0, 3).reshape(rows, groups * kcg)


def _group_kernel(w: np.ndarray, groups: int) -> np.ndarray:
    """The kernel ``(kh, kw, cg, f)`` as one matrix per group, ``(groups, k·cg, f/groups)``."""
    kh, kw, cg, f = w.shape
    return w.reshape(kh * kw * cg, groups, f // groups).transpose(1, 0, 2)


def _by_group(grouped: np.ndarray) -> np.ndarray:
    """``(groups, rows, fg)`` side by side: ``(rows, groups·fg)``."""
    groups, rows, fg = grouped.shape
    return grouped.transpose(1, 0, 2).reshape(rows, groups * fg)


class _Geometry:
    """Kernel size, strides, dilation, explicit padding and groups of a convolution."""

    __slots__ = ("strides", "dilation", "pads", "groups")

    def __init__(self, strides=(1, 1), dilation=(1, 1), pads=((0, 0), (0, 0)), groups=1):
        self.strides = tuple(strides)
        self.dilation = tuple(dilation)
        self.pads = tuple(tuple(p) for p in pads)
        self.groups = int(groups)

    def out_hw(self, hp: int, wp: int, kernel: tuple) -> tuple[int, int]:
        return (output_length(hp, kernel[0], self.strides[0], self.dilation[0], 0),
                output_length(wp, kernel[1], self.strides[1], self.dilation[1], 0))


class Convolution(Function):
    """``activation(conv(x, w) + b)``: x ``(n, h, w, c)``, w ``(kh, kw, c/groups, f)``, b
    ``(f,)`` optional; ``activation`` a key of :data:`~deepgrad.ops.affine.ACTIVATIONS`."""

    __slots__ = ("geometry", "activation", "cols", "w", "out2d", "shapes")

    def __init__(self, strides=(1, 1), dilation=(1, 1), pads=((0, 0), (0, 0)), groups=1,
                 activation: str | None = None):
        if activation not in ACTIVATIONS:
            raise ValueError(f"Convolution fuses the activations {tuple(ACTIVATIONS)}; got {activation!r}")
        self.geometry = _Geometry(strides, dilation, pads, groups)
        self.activation = activation

    def forward(self, x, w, b=None):
        g = self.geometry
        kernel = w.shape[:2]
        xp = _padded(x, g.pads)
        oh, ow = g.out_hw(xp.shape[1], xp.shape[2], kernel)
        cols = gather(xp, kernel, g.strides, g.dilation, (oh, ow))
        k = kernel[0] * kernel[1]
        if g.groups == 1:
            out = cols @ w.reshape(-1, w.shape[3])
        else:
            out = _by_group(np.matmul(_group_rows(cols, g.groups, k), _group_kernel(w, g.groups)))
        if self.activation == "relu":
            out = add_bias_relu(out, b)
        else:
            if b is not None:
                out += b
            if self.activation is not None:
                out = ACTIVATIONS[self.activation].value(out)
        self.cols, self.w, self.out2d = cols, w, out
        self.shapes = (x.shape, xp.shape, (oh, ow))
        return out.reshape(x.shape[0], oh, ow, w.shape[3])

    def backward(self, grad):
        g = self.geometry
        x_shape, padded_shape, out_hw = self.shapes
        w = self.w
        f = w.shape[3]
        k = w.shape[0] * w.shape[1]
        need_x, need_w, *need_b = self.needs_input_grad
        need_b = bool(need_b) and need_b[0]
        grad2d = grad.reshape(-1, f)
        bias_grad = None
        if self.activation == "relu":
            grad2d, bias_grad = relu_backward(grad2d, self.out2d, need_b,
                                              self.gradient_out(2) if need_b else None)
        elif self.activation is not None:
            grad2d = ACTIVATIONS[self.activation].derivative(grad2d, self.out2d)
        grads = [None, None]
        if need_w:
            grads[1] = self._kernel_grad(grad2d, k).reshape(w.shape)
        if need_x:
            xp_grad = spread(grad2d, w, padded_shape, g.strides, g.dilation, out_hw, g.groups)
            grads[0] = _unpadded(xp_grad, g.pads)
        if len(self.needs_input_grad) == 3:
            if need_b and bias_grad is None:
                bias_grad = grad2d.sum(axis=0)
            grads.append(bias_grad if need_b else None)
        return tuple(grads)

    def _kernel_grad(self, grad2d: np.ndarray, k: int) -> np.ndarray:
        groups = self.geometry.groups
        if groups == 1:
            into = self.gradient_out(1)
            if into is not None and into.dtype == grad2d.dtype and into.flags.c_contiguous:
                return np.matmul(self.cols.T, grad2d, out=into.reshape(-1, grad2d.shape[1]))
            return self.cols.T @ grad2d
        per_group = grad2d.reshape(-1, groups, grad2d.shape[1] // groups).transpose(1, 0, 2)
        grouped = np.matmul(_group_rows(self.cols, groups, k).transpose(0, 2, 1), per_group)
        return grouped.transpose(1, 0, 2).reshape(grouped.shape[1], -1)


class ConvolutionTranspose(Function):
    """The transpose of :class:`Convolution` (the gradient of its input, as a layer):
    x ``(n, h, w, c)``, w ``(kh, kw, f, c)`` as Keras's Conv2DTranspose keeps it, b ``(f,)``.
    The output is the scatter of ``x @ w.T`` into ``(n, (h−1)·s + d·(k−1) + 1 + extra, ...)``
    minus the padding, where ``out_hw`` gives the full size before the padding is cut."""

    __slots__ = ("geometry", "out_hw", "x", "w", "shapes")

    def __init__(self, strides=(1, 1), dilation=(1, 1), pads=((0, 0), (0, 0)), out_hw=None):
        self.geometry = _Geometry(strides, dilation, pads, 1)
        self.out_hw = out_hw

    def _full_shape(self, x, w) -> tuple:
        g = self.geometry
        n, h, wd, _ = x.shape
        kh, kw, f, _ = w.shape
        if self.out_hw is not None:
            hp, wp = self.out_hw
        else:
            hp = (h - 1) * g.strides[0] + g.dilation[0] * (kh - 1) + 1
            wp = (wd - 1) * g.strides[1] + g.dilation[1] * (kw - 1) + 1
        return n, hp, wp, f

    def forward(self, x, w, b=None):
        g = self.geometry
        kh, kw, f, c = w.shape
        full = self._full_shape(x, w)
        out = _unpadded(spread(x.reshape(-1, c), w, full, g.strides, g.dilation, x.shape[1:3]),
                        g.pads)
        if b is not None:
            out = out + b
        self.x, self.w, self.shapes = x, w, full
        return out

    def backward(self, grad):
        g = self.geometry
        x, w = self.x, self.w
        kh, kw, f, c = w.shape
        need_x, need_w, *need_b = self.needs_input_grad
        gp = _padded(grad, g.pads)
        cols = gather(gp, (kh, kw), g.strides, g.dilation, x.shape[1:3])  # (n·h·w, k·f)
        grads = [cols @ w.reshape(kh * kw * f, c) if need_x else None, None]
        if grads[0] is not None:
            grads[0] = grads[0].reshape(x.shape)
        if need_w:
            grads[1] = (cols.T @ x.reshape(-1, c)).reshape(w.shape)
        if need_b:
            grads.append(grad.sum(axis=(0, 1, 2)) if need_b[0] else None)
        return tuple(grads)
