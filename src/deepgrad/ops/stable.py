"""The stable numeric forms: every exponential deepgrad takes, and the functions built on it.

One rule for all of them: ``e^x`` is computed exactly (to working precision) for ``x`` at or
above :func:`exp_floor` — the smallest integer whose exponential is still a normal number,
-87 in float32 and -708 in float64 — and is exactly 0 below it. So nothing overflows, nothing
becomes a subnormal number (on which x86 arithmetic is 25-50 times slower), the limits are exact
(``sigmoid(-1e4) == 0``, ``softmax`` entries far below the maximum are 0) and every value that
is a normal number is the correctly computed one. A NaN stays NaN.

The primitives here carry their own derivatives rather than being differentiated through their
parts: a form such as ``max(x, 0) + log(1 + e^{-|x|})`` has pieces with kinks at 0 (``|x|``,
``max(x, 0)``) whose one-sided derivatives do not add up to the function's derivative there.

* :class:`FlooredExp` — ``e^x`` as above;
* :class:`Sigmoid` — ``1 / (1 + e^{-x})``; derivative ``σ(1 - σ)``;
* :class:`Softplus` — ``log(1 + e^x)``; derivative ``σ(x)``;
* :class:`SigmoidCrossEntropy` — ``max(x, 0) - x·z + log(1 + e^{-|x|})``; derivative
  ``σ(x) - z``;
* :class:`LogSumExp`, :class:`Softmax`, :class:`LogSoftmax` along an axis, shifted by the
  maximum.

The array functions (:func:`floored_exp`, :func:`sigmoid`, ...) are the forwards, for code that
works on arrays directly (the dense layer's fused activation, the softmax cross-entropy).
"""

from __future__ import annotations

import functools

import numpy as np

from .base import Function

__all__ = [
    "FlooredExp", "LogSoftmax", "LogSumExp", "Sigmoid", "SigmoidCrossEntropy", "Softmax",
    "Softplus", "exp_floor", "floored_exp", "log_softmax", "logsumexp", "sigmoid", "softmax",
    "softplus", "smallest_exp",
]


@functools.lru_cache(maxsize=None)
def _floor(dtype: np.dtype) -> float:
    return float(np.ceil(np.log(np.finfo(dtype).tiny)))


def exp_floor(dtype) -> float:
    """The smallest argument whose exponential is computed: -87.0 (float32), -708.0 (float64)."""
    return _floor(np.dtype(dtype))


def smallest_exp(dtype) -> float:
    """``e^{exp_floor(dtype)}``: the smallest non-zero value :func:`floored_exp` returns."""
    return float(np.exp(exp_floor(dtype)))


def floored_exp(x: np.ndarray) -> np.ndarray:
    """``e^x``, exactly 0 where ``x`` lies below :func:`exp_floor` (NaN stays NaN)."""
    return np.exp(x, out=np.zeros_like(x), where=~(x < _floor(x.dtype)))


def sigmoid(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``1 / (1 + e^{-x})`` from ``e = e^{-|x|}``, which never overflows: ``r = 1 / (e + 1)``,
    and ``e·r`` where ``x < 0`` — exactly 0 and 1 far out. Written into ``out`` when given (it
    may be ``x`` itself: the recurrent layers' gates are computed in place)."""
    t = np.abs(x, out=np.empty_like(x))
    np.negative(t, out=t)
    negative = x < 0
    e = floored_exp(t)
    np.add(e, 1.0, out=t)
    out = np.divide(1.0, t, out=t if out is None else out)
    np.multiply(e, out, out=e)
    np.copyto(out, e, where=negative)
    return out


def softplus(x: np.ndarray) -> np.ndarray:
    """``log(1 + e^x) = max(x, 0) + log(1 + e^{-|x|})``."""
    return np.maximum(x, 0) + np.log1p(floored_exp(-np.abs(x)))


def _shift(x: np.ndarray, axis: int) -> np.ndarray:
    """The maximum along ``axis`` (kept), 0 where it is not finite (a row of ±inf or NaN)."""
    shift = np.max(x, axis=axis, keepdims=True)
    shift[~np.isfinite(shift)] = 0
    return shift


def logsumexp(x: np.ndarray, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    """``log Σ e^x`` along ``axis``, shifted by the maximum."""
    shift = _shift(x, axis)
    out = np.log(floored_exp(x - shift).sum(axis=axis, keepdims=True)) + shift
    return out if keepdims else np.squeeze(out, axis=axis)


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """``e^{x_i} / Σ_j e^{x_j}`` along ``axis``, shifted by the maximum."""
    if x.size == 0:
        return x.copy()
    out = floored_exp(x - _shift(x, axis))
    out /= out.sum(axis=axis, keepdims=True)
    return out


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """``x - logsumexp(x)`` along ``axis``, as ``(x - max) - log Σ e^{x - max}``."""
    if x.size == 0:
        return x.copy()
    shifted = x - _shift(x, axis)
    return shifted - np.log(floored_exp(shifted).sum(axis=axis, keepdims=True))


class FlooredExp(Function):
    """``e^x``, exactly 0 below :func:`exp_floor`; derivative ``e^x`` (0 there)."""

    __slots__ = ("out",)

    def forward(self, a):
        self.out = floored_exp(a)
        return self.out

    def backward(self, grad):
        return (grad * self.out,)


class Sigmoid(Function):
    """``1 / (1 + e^{-x})``; derivative ``σ(x)(1 - σ(x))``, at most 0.25 (at 0)."""

    __slots__ = ("out",)

    value = staticmethod(sigmoid)

    @staticmethod
    def derivative(grad: np.ndarray, out: np.ndarray) -> np.ndarray:
        """The gradient through a sigmoid whose output was ``out``."""
        return grad * out * (1.0 - out)

    def forward(self, a):
        self.out = sigmoid(a)
        return self.out

    def backward(self, grad):
        return (self.derivative(grad, self.out),)


class Softplus(Function):
    """``log(1 + e^x)``; derivative ``σ(x)`` (0.5 at 0)."""

    __slots__ = ("a",)

    def forward(self, a):
        self.a = a
        return softplus(a)

    def backward(self, grad):
        return (grad * sigmoid(self.a),)


class SigmoidCrossEntropy(Function):
    """Binary cross-entropy of logits ``x`` against labels ``z`` (inputs ``(x, z)``):
    ``max(x, 0) - x·z + log(1 + e^{-|x|})``; derivatives ``σ(x) - z`` and ``-x``."""

    __slots__ = ("x", "z")

    def forward(self, x, z):
        self.x, self.z = x, z
        return np.maximum(x, 0) - x * z + np.log1p(floored_exp(-np.abs(x)))

    def backward(self, grad):
        need_x, need_z = self.needs_input_grad
        return (grad * (sigmoid(self.x) - self.z) if need_x else None,
                -grad * self.x if need_z else None)


class LogSumExp(Function):
    """``log Σ e^x`` along ``axis``; derivative the softmax along it."""

    __slots__ = ("axis", "keepdims", "a", "out")

    def __init__(self, axis: int = -1, keepdims: bool = False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, a):
        self.a = a
        self.out = logsumexp(a, self.axis, keepdims=True)
        return self.out if self.keepdims else np.squeeze(self.out, axis=self.axis)

    def backward(self, grad):
        if not self.keepdims:
            grad = np.expand_dims(grad, self.axis)
        return (grad * floored_exp(self.a - self.out),)


class Softmax(Function):
    """``e^{x_i} / Σ_j e^{x_j}`` along ``axis``; backward ``p ⊙ (g − Σ_j g_j p_j)``."""

    __slots__ = ("axis", "out")

    def __init__(self, axis: int = -1):
        self.axis = axis

    def forward(self, x):
        self.out = softmax(x, self.axis)
        return self.out

    def backward(self, grad):
        p = self.out
        return (p * (grad - (grad * p).sum(axis=self.axis, keepdims=True)),)


class LogSoftmax(Function):
    """``x - logsumexp(x)`` along ``axis``; backward ``g − softmax(x) Σ_j g_j``."""

    __slots__ = ("axis", "out")

    def __init__(self, axis: int = -1):
        self.axis = axis

    def forward(self, x):
        self.out = log_softmax(x, self.axis)
        return self.out

    def backward(self, grad):
        return (grad - floored_exp(self.out) * grad.sum(axis=self.axis, keepdims=True),)
