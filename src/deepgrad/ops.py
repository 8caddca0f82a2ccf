"""Differentiable primitives.

Each primitive is a small :class:`Function` subclass whose ``forward`` (on NumPy arrays) and
``backward`` sit side by side. ``backward(grad)`` returns one gradient per input, in the shape of
the *output* broadcast; the engine in :mod:`deepgrad.tensor` reduces each gradient back to its
input's shape and accumulates it, so a primitive never handles broadcasting or fan-out itself.

``needs_input_grad`` tells ``backward`` which inputs want a gradient, so that expensive ones
(the input side of a matmul, the exponent side of a power) are skipped when not needed; a skipped
gradient is returned as None.

Every subclass is registered in :data:`REGISTRY`; the test suite refuses a primitive that has no
gradient-check case.
"""

from __future__ import annotations

import numpy as np

REGISTRY: dict[str, type[Function]] = {}


class Function:
    """Base class of the differentiable primitives."""

    __slots__ = ("inputs", "needs_input_grad")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        REGISTRY[cls.__name__] = cls

    def forward(self, *arrays):  # pragma: no cover - documented interface
        raise NotImplementedError

    def backward(self, grad):  # pragma: no cover - documented interface
        raise NotImplementedError


# --------------------------------------------------------------------------- arithmetic


class Add(Function):
    __slots__ = ()

    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        return grad, grad


class Sub(Function):
    __slots__ = ()

    def forward(self, a, b):
        return a - b

    def backward(self, grad):
        return grad, (-grad if self.needs_input_grad[1] else None)


class Mul(Function):
    __slots__ = ("a", "b")

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        return (grad * self.b if need_a else None), (grad * self.a if need_b else None)


class Div(Function):
    __slots__ = ("a", "b")

    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        grad_a = grad / self.b
        grad_b = -grad_a * self.a / self.b if need_b else None
        return (grad_a if need_a else None), grad_b


class Pow(Function):
    """``a ** b``; the exponent's gradient ``log(a)·a^b`` is formed only when it is needed."""

    __slots__ = ("a", "b", "out")

    def forward(self, a, b):
        self.a, self.b = a, b
        self.out = a**b
        return self.out

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        grad_a = grad * self.b * self.a ** (self.b - 1) if need_a else None
        grad_b = grad * self.out * np.log(self.a) if need_b else None
        return grad_a, grad_b


class Neg(Function):
    __slots__ = ()

    def forward(self, a):
        return -a

    def backward(self, grad):
        return (-grad,)


class MatMul(Function):
    """Matrix product with NumPy's rules: 2-D, batched (broadcast), and 1-D on either side."""

    __slots__ = ("a", "b")

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(
                f"matmul needs at least 1-D operands; got shapes {a.shape} and {b.shape}"
            )
        k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if a.shape[-1] != k_b:
            raise ValueError(
                f"matmul shape mismatch: {a.shape} @ {b.shape} — the last dimension of the left "
                f"operand ({a.shape[-1]}) must equal the "
                f"{'first' if b.ndim == 1 else 'second-to-last'} dimension of the right ({k_b})"
            )
        self.a, self.b = a, b
        return a @ b

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        a, b = self.a, self.b
        if a.ndim == 2 and b.ndim == 2:  # the common case, kept free of reshapes
            return (grad @ b.T if need_a else None), (a.T @ grad if need_b else None)
        # Promote 1-D operands as NumPy does, differentiate the batched product, then undo.
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = grad[..., None] if b.ndim == 1 else grad
        if a.ndim == 1:
            g2 = g2[..., None, :]
        grad_a = grad_b = None
        if need_a:
            grad_a = g2 @ np.swapaxes(b2, -1, -2)
            if a.ndim == 1:
                grad_a = grad_a[..., 0, :]
        if need_b:
            grad_b = np.swapaxes(a2, -1, -2) @ g2
            if b.ndim == 1:
                grad_b = grad_b[..., 0]
        return grad_a, grad_b


# --------------------------------------------------------------------------- reductions


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


# --------------------------------------------------------------------------- shape


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
        out = np.zeros(self.shape, dtype=self.dtype)
        if _is_basic_index(self.index):
            out[self.index] = grad
        else:
            np.add.at(out, self.index, grad)
        return (out,)


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


# --------------------------------------------------------------------------- elementwise


class Exp(Function):
    __slots__ = ("out",)

    def forward(self, a):
        self.out = np.exp(a)
        return self.out

    def backward(self, grad):
        return (grad * self.out,)


class Log(Function):
    __slots__ = ("a",)

    def forward(self, a):
        self.a = a
        return np.log(a)

    def backward(self, grad):
        return (grad / self.a,)


class Sqrt(Function):
    __slots__ = ("out",)

    def forward(self, a):
        self.out = np.sqrt(a)
        return self.out

    def backward(self, grad):
        return (grad * 0.5 / self.out,)


class Abs(Function):
    __slots__ = ("a",)

    def forward(self, a):
        self.a = a
        return np.abs(a)

    def backward(self, grad):
        return (grad * np.sign(self.a),)


class Clip(Function):
    """Clip to ``[low, high]``; the gradient passes where the input lies inside the interval."""

    __slots__ = ("a", "low", "high")

    def __init__(self, low=None, high=None):
        self.low, self.high = low, high

    def forward(self, a):
        self.a = a
        return np.clip(a, self.low, self.high)

    def backward(self, grad):
        inside = np.ones(self.a.shape, dtype=bool)
        if self.low is not None:
            inside &= self.a >= self.low
        if self.high is not None:
            inside &= self.a <= self.high
        return (grad * inside,)


def _share(wins, ties, dtype):
    """1 where the first input wins, 0.5 where the two tie, 0 elsewhere, in ``dtype``."""
    share = wins.astype(dtype)
    share[ties] = 0.5
    return share


class Maximum(Function):
    """Elementwise maximum; where the inputs tie, each gets half of the gradient."""

    __slots__ = ("a", "b")

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.maximum(a, b)

    def backward(self, grad):
        share_a = _share(self.a > self.b, self.a == self.b, grad.dtype)
        need_a, need_b = self.needs_input_grad
        return (grad * share_a if need_a else None), (grad * (1 - share_a) if need_b else None)


class Minimum(Function):
    """Elementwise minimum; where the inputs tie, each gets half of the gradient."""

    __slots__ = ("a", "b")

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.minimum(a, b)

    def backward(self, grad):
        share_a = _share(self.a < self.b, self.a == self.b, grad.dtype)
        need_a, need_b = self.needs_input_grad
        return (grad * share_a if need_a else None), (grad * (1 - share_a) if need_b else None)


class Where(Function):
    """``condition ? a : b`` with a constant boolean ``condition``."""

    __slots__ = ("condition",)

    def __init__(self, condition):
        self.condition = np.asarray(condition, dtype=bool)

    def forward(self, a, b):
        return np.where(self.condition, a, b)

    def backward(self, grad):
        zero = np.zeros((), dtype=grad.dtype)
        need_a, need_b = self.needs_input_grad
        return (
            np.where(self.condition, grad, zero) if need_a else None,
            np.where(self.condition, zero, grad) if need_b else None,
        )


# --------------------------------------------------------------------------- activations


class ReLU(Function):
    __slots__ = ("mask",)

    def forward(self, a):
        self.mask = a > 0
        return np.maximum(a, 0)

    def backward(self, grad):
        return (grad * self.mask,)


# Largest |x| whose e^{-|x|} is still a normal number: beyond it sigmoid is 0 or 1 to working
# precision, and clipping there keeps exp from underflowing (no floating-point warnings).
_EXP_LIMIT = {np.dtype(np.float32): 87.0, np.dtype(np.float64): 708.0}


def stable_sigmoid(x):
    """Sigmoid that never overflows or underflows: ``e^{-|x|}`` lies in (0, 1]."""
    e = np.exp(-np.minimum(np.abs(x), _EXP_LIMIT.get(x.dtype, 87.0)))
    r = 1.0 / (1.0 + e)
    return np.where(x >= 0, r, e * r)


class Sigmoid(Function):
    __slots__ = ("out",)

    def forward(self, a):
        self.out = stable_sigmoid(a)
        return self.out

    def backward(self, grad):
        return (grad * self.out * (1.0 - self.out),)


class Tanh(Function):
    __slots__ = ("out",)

    def forward(self, a):
        self.out = np.tanh(a)
        return self.out

    def backward(self, grad):
        return (grad * (1.0 - self.out * self.out),)
